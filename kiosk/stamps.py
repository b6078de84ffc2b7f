"""Stamps: buying them, what a resident holds, and where they are spent and come back.

The server is the authority for every balance. Locally:

- **confirmed** = the sum of the resident's ledger entries (server-booked);
- **held** = stamps committed to queued replies (pending SPEND holds);
- **spendable** = confirmed - held;
- **pending purchases** = stamps bought here, not yet confirmed (pending
  PURCHASE holds): shown, never spendable;
- **debit balance** = the latest snapshot the server sent, with its date.

Stamps are spent here: :func:`hold_for_reply` holds a reply's stamps until the
server books the SPEND entry, and :func:`use_return_stamp` spends the return
stamp of the message a reply answers. They come back here too:
:func:`void_hold` when the server refuses the reply or purchase at push, and
:func:`free_return_stamp` when a reply paid with a return stamp is refused or
rejected under a policy that refunds (a rejection's own stamps come back only
as the server's ``refund`` ledger entry).

A hold resolves once: POSTED when the server's ledger entry arrives (by push
result or by the change feed, whichever comes first; entries are deduplicated
by server id), VOIDED when the server refuses.

The server's ledger entries themselves, how they are checked and booked, and
the receipt history read from them live in :mod:`kiosk.ledger`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk import audit, outbox
from kiosk.errors import Refusal
from kiosk.policy import Policy
from kiosk.store.models import (
    DebitSnapshot,
    Hold,
    HoldKind,
    HoldState,
    LedgerEntry,
    Message,
    OutboxItem,
    OutboxState,
    Payment,
)
from kiosk.views import Balances, WaitingToSend


def confirmed(session: Session, resident_id: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.stamps), 0)).where(
            LedgerEntry.resident_id == resident_id
        )
    )
    return int(total or 0)


def _pending(session: Session, resident_id: str, kind: HoldKind) -> tuple[int, int]:
    stamps, cents = session.execute(
        select(
            func.coalesce(func.sum(Hold.stamps), 0), func.coalesce(func.sum(Hold.cents), 0)
        ).where(Hold.resident_id == resident_id, Hold.kind == kind, Hold.state == HoldState.PENDING)
    ).one()
    return int(stamps), int(cents)


def spendable(session: Session, resident_id: str) -> int:
    return confirmed(session, resident_id) - _pending(session, resident_id, HoldKind.SPEND)[0]


def latest_debit(session: Session, resident_id: str) -> DebitSnapshot | None:
    return session.scalars(
        select(DebitSnapshot)
        .where(DebitSnapshot.resident_id == resident_id)
        .order_by(DebitSnapshot.as_of.desc(), DebitSnapshot.id.desc())
        .limit(1)
    ).first()


def balances(session: Session, resident_id: str) -> Balances:
    total = confirmed(session, resident_id)
    held, _ = _pending(session, resident_id, HoldKind.SPEND)
    bought, bought_cents = _pending(session, resident_id, HoldKind.PURCHASE)
    debit = latest_debit(session, resident_id)
    return Balances(
        confirmed=total,
        held=held,
        spendable=total - held,
        pending_purchases=bought,
        pending_purchase_cents=bought_cents,
        debit_cents=None if debit is None else debit.cents,
        debit_as_of=None if debit is None else debit.as_of,
    )


def purchase(
    session: Session, policy: Policy, resident_id: str, product_id: str, now: datetime
) -> tuple[Hold, OutboxItem]:
    """Queue a purchase: a pending PURCHASE hold and its outbox row, in the caller's transaction.

    Refusals: ``unknown_product``; ``insufficient_funds`` (needed, have) when the
    last known debit balance, less purchases still pending, cannot cover it.
    """
    product = policy.product(product_id)
    if product is None:
        raise Refusal("unknown_product", product_id=product_id)
    debit = latest_debit(session, resident_id)
    if debit is not None:
        _, pending_cents = _pending(session, resident_id, HoldKind.PURCHASE)
        available = debit.cents - pending_cents
        if product.price_cents > available:
            raise Refusal("insufficient_funds", needed=product.price_cents, have=max(0, available))
    client_id = outbox.new_key()
    hold = Hold(
        client_id=client_id,
        resident_id=resident_id,
        kind=HoldKind.PURCHASE,
        stamps=product.stamps,
        cents=product.price_cents,
        product_id=product.product_id,
        state=HoldState.PENDING,
        created_at=now,
    )
    session.add(hold)
    item = outbox.enqueue(
        session,
        "purchase_stamps",
        {
            "client_id": client_id,
            "resident_id": resident_id,
            "product_id": product.product_id,
            "quantity": product.stamps,
            "price_cents": product.price_cents,
        },
        now,
    )
    audit.record(
        session,
        "buy_stamps",
        resident_id,
        now,
        product_id=product.product_id,
        stamps=product.stamps,
        price_cents=product.price_cents,
        client_id=client_id,
    )
    session.flush()
    return hold, item


def resolve_hold(hold: Hold, state: HoldState, now: datetime, reason: str | None = None) -> bool:
    """Resolve a pending hold exactly once; False (and no change) if it was resolved already."""
    if hold.state != HoldState.PENDING:
        return False
    hold.state = state
    hold.resolved_at = now
    hold.reason = None if reason is None else reason[:200]
    return True


def hold_for_reply(
    session: Session, resident_id: str, client_id: str, message_id: int, stamps: int, now: datetime
) -> Hold:
    """Hold a queued reply's stamps (a pending SPEND hold), in the caller's transaction.

    The hold counts against what the resident can spend until the server's SPEND
    entry posts it, or a refusal voids it (:func:`void_hold`). Not flushed: the
    next query or flush writes it.
    """
    hold = Hold(
        client_id=client_id,
        resident_id=resident_id,
        kind=HoldKind.SPEND,
        stamps=stamps,
        cents=0,
        message_id=message_id,
        state=HoldState.PENDING,
        created_at=now,
    )
    session.add(hold)
    return hold


def void_hold(session: Session, client_id: str, now: datetime, reason: str) -> bool:
    """Give back what a refused item held (a reply's stamps, a purchase's cents).

    False if no hold has this ``client_id`` or it was resolved already.
    """
    hold = hold_by_client_id(session, client_id)
    return hold is not None and resolve_hold(hold, HoldState.VOIDED, now, reason)


def use_return_stamp(answered: Message) -> None:
    """Spend the return stamp of the message a reply answers (it pays for that reply)."""
    answered.return_stamp_used = True


def free_return_stamp(session: Session, reply: Message) -> None:
    """Give back the return stamp a refused or rejected reply was paid with, if it was."""
    if reply.payment == Payment.RETURN_STAMP and reply.in_reply_to is not None:
        answered = session.get(Message, reply.in_reply_to)
        if answered is not None:
            answered.return_stamp_used = False


#: Holds by client id, cached in a session by :func:`kiosk.ledger.prefetch_bookings`.
HOLDS_CACHE = "stamps_holds_by_client_id"


def hold_by_client_id(session: Session, client_id: str) -> Hold | None:
    # Only holds found are cached: one added later in the transaction is still found by query.
    cached: dict[str, Hold] | None = session.info.get(HOLDS_CACHE)
    if cached is not None and client_id in cached:
        return cached[client_id]
    return session.scalars(select(Hold).where(Hold.client_id == client_id)).first()


def record_debit(session: Session, resident_id: str, cents: int, as_of: datetime) -> bool:
    """Keep a debit snapshot unless an as-new or newer one says so already; True if kept."""
    latest = latest_debit(session, resident_id)
    if latest is not None and (
        latest.as_of > as_of or (latest.as_of == as_of and latest.cents == cents)
    ):
        return False
    session.add(DebitSnapshot(resident_id=resident_id, cents=cents, as_of=as_of))
    session.flush()
    return True


def waiting_to_send(session: Session, resident_id: str) -> WaitingToSend:
    """The resident's replies still queued here and purchases the server has not answered."""
    # Counted on the outbox (pending rows are few, index ix_outbox_due), not by scanning a
    # resident's whole message history: a queued reply is exactly a pending send_message row.
    replies = session.scalar(
        select(func.count())
        .select_from(OutboxItem)
        .where(
            OutboxItem.state == OutboxState.PENDING,
            OutboxItem.kind == "send_message",
            OutboxItem.payload["resident_id"].as_string() == resident_id,
        )
    )
    purchases = session.scalar(
        select(func.count())
        .select_from(Hold)
        .where(
            Hold.resident_id == resident_id,
            Hold.kind == HoldKind.PURCHASE,
            Hold.state == HoldState.PENDING,
        )
    )
    return WaitingToSend(replies=int(replies or 0), purchases=int(purchases or 0))
