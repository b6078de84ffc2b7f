"""Stamps: buying them, what a resident holds, and the receipt history.

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

The server is not trusted blindly: :func:`book_entry` refuses an entry whose
sign or size is implausible for its kind (:func:`check_plausible`; a purchase
adds stamps, a spend takes them, a refund and a transfer in give them, no
entry moves more than :data:`MAX_ENTRY_STAMPS`), and the caller refuses the
whole page or answer it came in. The server's authority over a balance acts
only through reconcile: :func:`correct_to_server` appends a correcting
adjustment (shown as a correction in the receipts; the ledger is
append-only) so that the confirmed balance equals the server's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk import audit, outbox
from kiosk.clock import server_time
from kiosk.errors import Refusal, ServerDataError
from kiosk.policy import Policy
from kiosk.store import bulk
from kiosk.store.models import (
    DebitSnapshot,
    Hold,
    HoldKind,
    HoldState,
    LedgerEntry,
    LedgerKind,
    Message,
    OutboxItem,
    OutboxState,
    Payment,
)
from kiosk.views import Balances, Receipt, WaitingToSend

# Which pending hold a ledger entry confirms, when its reference names one.
_POSTS = {LedgerKind.SPEND: HoldKind.SPEND, LedgerKind.PURCHASE: HoldKind.PURCHASE}

#: The most stamps one entry other than an adjustment moves: a book on sale has at
#: most 1,000 (``sync.protocol.policy``), a reply costs a few.
MAX_ENTRY_STAMPS = 1_000
#: The most money one entry moves: $100,000, far above any purchase or deposit.
MAX_ENTRY_CENTS = 10_000_000
#: Server ids of correcting entries start so; a server id cannot (it starts with a
#: letter or digit), so a correction is never taken for, or hidden by, a server entry.
CORRECTION_PREFIX = "~correction:"
CORRECTION_MEMO = "reconcile correction"


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


# Session-scoped caches filled by :func:`prefetch_bookings` (one caller transaction).
_BOOKED = "stamps_booked_by_server_id"
_HOLDS = "stamps_holds_by_client_id"


def prefetch_bookings(session: Session, entries: Iterable[Mapping[str, Any]]) -> None:
    """Look up, in a few queries, which of these ledger entries are booked and the holds they name.

    For booking a whole push answer at once: :func:`book_entry` and
    :func:`hold_by_client_id` then answer from the session instead of one query
    (and one autoflush) per entry. Only for the rest of the caller's transaction;
    anything not prefetched is still looked up.
    """
    entries = list(entries)
    server_ids = list(dict.fromkeys(str(e["entry_id"]) for e in entries))
    references = list(dict.fromkeys(str(e["reference"]) for e in entries if e.get("reference")))
    booked: dict[str, bool] = session.info.setdefault(_BOOKED, {})
    holds: dict[str, Hold] = session.info.setdefault(_HOLDS, {})
    for chunk in bulk.chunks(server_ids):
        found = set(
            session.scalars(select(LedgerEntry.server_id).where(LedgerEntry.server_id.in_(chunk)))
        )
        for server_id in chunk:
            booked[server_id] = server_id in found
    for chunk in bulk.chunks(references):
        for hold in session.scalars(
            select(Hold).where(Hold.client_id.in_(chunk)).order_by(Hold.id)
        ):
            holds.setdefault(hold.client_id, hold)


def hold_by_client_id(session: Session, client_id: str) -> Hold | None:
    # Only holds found are cached: one added later in the transaction is still found by query.
    cached: dict[str, Hold] | None = session.info.get(_HOLDS)
    if cached is not None and client_id in cached:
        return cached[client_id]
    return session.scalars(select(Hold).where(Hold.client_id == client_id)).first()


def check_plausible(entry: Mapping[str, Any]) -> None:
    """Raise :class:`ServerDataError` for an entry whose sign or size cannot be right.

    A purchase adds stamps (and takes money or nothing), a spend takes stamps, a
    refund and a transfer in give stamps (and never take money); an adjustment may
    go either way. No entry but an adjustment moves more than
    :data:`MAX_ENTRY_STAMPS`; none moves more than :data:`MAX_ENTRY_CENTS`.
    """
    kind = LedgerKind(entry["kind"])
    count, cents = int(entry["stamps"]), int(entry.get("cents", 0))
    where = f"ledger entry {str(entry['entry_id'])[:64]!r} ({kind.value})"
    if abs(cents) > MAX_ENTRY_CENTS:
        raise ServerDataError(f"{where} moves {cents} cents; more than {MAX_ENTRY_CENTS}")
    if kind is LedgerKind.ADJUSTMENT:
        return
    if abs(count) > MAX_ENTRY_STAMPS:
        raise ServerDataError(f"{where} moves {count} stamps; more than {MAX_ENTRY_STAMPS}")
    plausible = {
        LedgerKind.PURCHASE: count > 0 and cents <= 0,
        LedgerKind.SPEND: count < 0 and cents <= 0,
        LedgerKind.REFUND: count >= 0 and cents >= 0 and (count or cents) != 0,
        LedgerKind.TRANSFER_IN: count > 0 and cents >= 0,
    }[kind]
    if not plausible:
        raise ServerDataError(f"{where} has an implausible sign: {count} stamps, {cents} cents")


def book_entry(session: Session, entry: dict[str, Any], now: datetime) -> bool:
    """Insert a server ledger entry unless already booked; post the hold it confirms.

    ``entry`` holds ``entry_id, resident_id, kind, stamps, cents, memo, reference,
    booked_at`` (already validated). Returns True if it was new. An implausible
    entry (:func:`check_plausible`) raises :class:`ServerDataError`, booked or not.
    """
    check_plausible(entry)
    server_id = str(entry["entry_id"])
    booked: dict[str, bool] | None = session.info.get(_BOOKED)
    known = None if booked is None else booked.get(server_id)
    if known is None:
        known = (
            session.scalar(select(LedgerEntry.id).where(LedgerEntry.server_id == server_id))
            is not None
        )
    if known:
        return False
    if booked is not None:
        booked[server_id] = True
    kind = LedgerKind(entry["kind"])
    reference = entry.get("reference")
    session.add(
        LedgerEntry(
            server_id=server_id,
            resident_id=entry["resident_id"],
            kind=kind,
            stamps=int(entry["stamps"]),
            cents=int(entry.get("cents", 0)),
            memo=str(entry.get("memo") or "")[:200],
            reference=reference,
            booked_at=entry["booked_at"],
        )
    )
    hold_kind = _POSTS.get(kind)
    if reference and hold_kind is not None:
        hold = hold_by_client_id(session, str(reference))
        if hold is not None and hold.kind == hold_kind:
            resolve_hold(hold, HoldState.POSTED, now)
    # No flush here: the next query autoflushes, so a whole push answer is written in
    # one flush (one executemany per table) instead of one per entry.
    return True


def correct_to_server(
    session: Session, resident_id: str, server_stamps: int, as_of: datetime | str
) -> int:
    """Append the entry that brings the confirmed balance to the server's; the delta moved.

    For reconcile, after the server's snapshot (``as_of``) was applied: entries
    booked after it are left out of the comparison (they are news the snapshot
    cannot know). The ledger is append-only, so what the server does not
    recognise (an entry an older terminal took from a bad page...) is undone by a
    correcting adjustment, which the receipts show as a correction.
    """
    as_of = server_time(as_of)
    held = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.stamps), 0)).where(
            LedgerEntry.resident_id == resident_id, LedgerEntry.booked_at <= as_of
        )
    )
    delta = server_stamps - int(held or 0)
    if delta == 0:
        return 0
    session.add(
        LedgerEntry(
            server_id=CORRECTION_PREFIX + uuid.uuid4().hex,
            resident_id=resident_id,
            kind=LedgerKind.ADJUSTMENT,
            stamps=delta,
            cents=0,
            memo=CORRECTION_MEMO,
            reference=None,
            booked_at=as_of,
        )
    )
    session.flush()
    return delta


def is_correction(entry: LedgerEntry) -> bool:
    """Whether a ledger entry is a reconcile correction (not one the server booked)."""
    return entry.server_id.startswith(CORRECTION_PREFIX)


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


def receipts(session: Session, resident_id: str, limit: int = 200) -> list[Receipt]:
    """Receipt history, newest first: ledger entries, pending holds and refused purchases.

    A refused purchase (a VOIDED purchase hold) stays in the history with the
    server's reason code, so the resident learns why nothing was added.
    """
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.resident_id == resident_id)
        .order_by(LedgerEntry.booked_at.desc(), LedgerEntry.id.desc())
        .limit(limit)
    )
    lines = [
        Receipt(
            at=e.booked_at,
            kind=e.kind,
            stamps=e.stamps,
            cents=e.cents,
            memo=e.memo,
            pending=False,
            reference=e.reference,
            correction=is_correction(e),
        )
        for e in entries
    ]
    holds = session.scalars(
        select(Hold)
        .where(
            Hold.resident_id == resident_id,
            (Hold.state == HoldState.PENDING)
            | ((Hold.state == HoldState.VOIDED) & (Hold.kind == HoldKind.PURCHASE)),
        )
        .order_by(Hold.created_at.desc(), Hold.id.desc())
        .limit(limit)
    )
    for h in holds:
        sign = 1 if h.kind == HoldKind.PURCHASE else -1
        pending = h.state == HoldState.PENDING
        lines.append(
            Receipt(
                at=h.created_at,
                kind=h.kind,
                stamps=sign * h.stamps,
                cents=-h.cents,
                memo=h.product_id or "",
                pending=pending,
                reference=h.client_id,
                hold_state=h.state,
                reason=None if pending else h.reason,
            )
        )
    lines.sort(key=lambda r: r.at, reverse=True)
    return lines[:limit]


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
