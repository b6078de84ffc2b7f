"""A reply after it is queued: its statuses, its refunds, and its text coming back.

Two sources move a reply on: the server's answer to its push
(:func:`apply_push_result`, per outbox item) and the change feed
(``message_status`` and ``outbound_message`` changes, which :mod:`kiosk.feed`
hands over to :func:`apply_status_change` and :func:`apply_outbound_change`).
Everything here is idempotent: applying the same change or the same push
result twice changes nothing the second time.

Statuses of an outbound message never go backwards::

    queued -> sent -> pending_review -> delivered | awaiting_payment | rejected
    awaiting_payment | delivered -> opened

so a late ``sent`` after ``delivered`` is ignored, and ``rejected`` is final.

A resident's own messages follow them to every kiosk of their unit: an
``outbound_message`` change inserts one written elsewhere (with its status and
timeline) and only updates one this terminal wrote (same ``client_id``).

A reply refused at push (never accepted by the server) gets its payment back
here: the SPEND hold is voided or the return stamp freed. A reply rejected in
review was accepted and charged: whether a stamp comes back is the server's
decision, which arrives as a ``refund`` ledger entry; a return stamp is freed
locally when the facility policy refunds on rejection. Either way the text
comes back as an editable draft (origin ``rejected``). The stamps themselves
are held, voided and freed in :mod:`kiosk.stamps`.

A bought-and-sent reply (:func:`kiosk.compose.buy_and_send`) gets its SPEND
hold here, once the server confirms the purchase it waited on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk import drafts, ledger, outbox, stamps
from kiosk.clock import server_time
from kiosk.errors import ServerDataError
from kiosk.policy import any_policy
from kiosk.store import bulk
from kiosk.store.database import Store
from kiosk.store.models import (
    Contact,
    Direction,
    HoldState,
    LedgerEntry,
    LedgerKind,
    Message,
    MessageEvent,
    OutboundStatus,
    OutboxItem,
    OutboxState,
    Payment,
    Resident,
)

log = logging.getLogger(__name__)

OUTCOMES = frozenset({"accepted", "duplicate", "rejected"})

_RANK = {
    OutboundStatus.QUEUED: 0,
    OutboundStatus.SENT: 1,
    OutboundStatus.PENDING_REVIEW: 2,
    OutboundStatus.DELIVERED: 3,
    OutboundStatus.AWAITING_PAYMENT: 3,
    OutboundStatus.REJECTED: 3,
    OutboundStatus.OPENED: 4,
}


# -- statuses ---------------------------------------------------------------------------


def advance_status(
    message: Message, status: OutboundStatus, at: datetime, reason: str | None = None
) -> bool:
    """Move an outbound message forward to ``status``; False if that would go backwards."""
    current = message.status or OutboundStatus.QUEUED
    if current == OutboundStatus.REJECTED or _RANK[status] <= _RANK[current]:
        return False
    message.status = status
    message.status_reason = None if reason is None else reason[:500]
    if all(e.status != status for e in message.events):
        message.events.append(MessageEvent(status=status, at=at, reason=message.status_reason))
    return True


def _return_draft(session: Session, message: Message, now: datetime) -> None:
    drafts.save_draft(
        session,
        message.resident_id,
        message.contact_id,
        message.in_reply_to,
        message.body,
        now,
        origin="rejected",
        rejected_message_id=message.id,
    )


_OUTBOUND_CACHE = "replies_outbound_by_client_id"
_ITEMS_HELD = "replies_prefetched_items"
_SERVER_IDS_TAKEN = "replies_server_ids_taken"


def _outbound(session: Session, client_id: str | None, server_id: str | None) -> Message | None:
    cached: dict[str, Message] | None = session.info.get(_OUTBOUND_CACHE)
    if client_id and cached is not None and client_id in cached:
        return cached[client_id]
    if client_id:
        found = session.scalars(select(Message).where(Message.client_id == client_id)).first()
        if found is not None:
            return found
    if server_id:
        return session.scalars(select(Message).where(Message.server_id == server_id)).first()
    return None


def _set_server_id(session: Session, message: Message, server_id: str | None) -> None:
    if not server_id or message.server_id == server_id:
        return
    known: dict[str, bool] | None = session.info.get(_SERVER_IDS_TAKEN)
    taken = None if known is None else known.get(server_id)
    if taken is None:
        taken = (
            session.scalars(select(Message.id).where(Message.server_id == server_id)).first()
            is not None
        )
    if not taken:
        message.server_id = server_id
        if known is not None:
            known[server_id] = True


# -- from the change feed ---------------------------------------------------------------


def apply_status_change(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    """A ``message_status`` change: a held reply moves on; True if it changed anything."""
    message = _outbound(session, data.get("client_id"), data.get("message_id"))
    if message is None or message.direction != Direction.OUTBOUND:
        log.info("status for an outbound message this terminal does not hold; ignored")
        return False
    _set_server_id(session, message, data.get("message_id"))
    return _step(
        session, message, OutboundStatus(data["status"]), server_time(data["at"]), data, now
    )


def _step(
    session: Session,
    message: Message,
    status: OutboundStatus,
    at: datetime,
    data: Mapping[str, Any],
    now: datetime,
) -> bool:
    """Advance a held outbound message; a rejection refunds and returns the text as a draft.

    A server status for a message still queued here means the server has it: its
    push answer was lost or not applied yet (a reconcile can overtake it). The
    message was sent by then, so the timeline gets that step too.
    """
    current = message.status or OutboundStatus.QUEUED
    if current == OutboundStatus.QUEUED and _RANK[status] > _RANK[OutboundStatus.SENT]:
        advance_status(message, OutboundStatus.SENT, at)
    if not advance_status(message, status, at, data.get("reason")):
        return False
    if status == OutboundStatus.REJECTED:
        if _refunds_on_reject(session):
            stamps.free_return_stamp(session, message)
        _return_draft(session, message, now)
    return True


def _refunds_on_reject(session: Session) -> bool:
    policy = any_policy(session)
    return policy is None or policy.refund_on_reject


def _timeline(data: Mapping[str, Any]) -> list[tuple[OutboundStatus, datetime, Mapping[str, Any]]]:
    """The steps of an ``outbound_message`` change, oldest first, ending at its current status."""
    steps = [
        (OutboundStatus(step["status"]), server_time(step["at"]), step)
        for step in data.get("timeline") or []
    ]
    current = OutboundStatus(data["status"])
    if all(status != current for status, _, _ in steps):
        at = steps[-1][1] if steps else server_time(data["written_at"])
        steps.append((current, at, data))
    return steps


def apply_outbound_change(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    """A resident's own message, whole: insert it if not held, else bring it up to date.

    The terminal that wrote it holds it by ``client_id``: it is not duplicated,
    only given its server id and any step it has not seen. One written on another
    terminal is inserted with its status and timeline; its payment was settled
    there and on the server (the ledger entries arrive on their own), so no hold
    is made and no draft returned here.
    """
    if session.get(Resident, data["resident_id"]) is None:
        raise ServerDataError(
            f"outbound_message change names unknown resident {data['resident_id']!r}"
        )
    message = _outbound(session, data["client_id"], data["message_id"])
    if message is not None:
        if message.direction != Direction.OUTBOUND or message.resident_id != data["resident_id"]:
            raise ServerDataError(
                f"outbound_message {data['message_id']!r} clashes with a message of "
                "another direction or resident held here"
            )
        before = (message.server_id, message.status, message.hidden)
        _set_server_id(session, message, data["message_id"])
        for status, at, step in _timeline(data):
            _step(session, message, status, at, step, now)
        message.hidden = message.hidden or bool(data.get("hidden", False))
        return before != (message.server_id, message.status, message.hidden)
    contact = session.get(Contact, data["contact_id"])
    if contact is None or contact.resident_id != data["resident_id"]:
        raise ServerDataError(
            f"outbound_message {data['message_id']!r} names unknown contact "
            f"{data['contact_id']!r} of resident {data['resident_id']!r}"
        )
    answered = None
    if data.get("in_reply_to"):
        answered = session.scalars(
            select(Message).where(Message.server_id == data["in_reply_to"])
        ).first()
    message = Message(
        client_id=data["client_id"],
        server_id=data["message_id"],
        resident_id=data["resident_id"],
        contact_id=data["contact_id"],
        direction=Direction.OUTBOUND,
        body=data["body"],
        media=[],
        sort_at=server_time(data["written_at"]),
        status=OutboundStatus.QUEUED,
        payment=Payment(data["payment"]),
        stamps_cost=int(data.get("stamps") or 0),
        in_reply_to=None if answered is None else answered.id,
        hidden=bool(data.get("hidden", False)),
        has_return_stamp=False,
        return_stamp_used=False,
    )
    session.add(message)
    for status, at, step in _timeline(data):
        advance_status(message, status, at, step.get("reason"))
    if answered is not None and message.payment == Payment.RETURN_STAMP:
        # The return stamp was spent on this reply (and stays spent unless refunded).
        if message.status == OutboundStatus.REJECTED and _refunds_on_reject(session):
            stamps.free_return_stamp(session, message)
        else:
            stamps.use_return_stamp(answered)
    return True


# -- push answers -----------------------------------------------------------------------


def apply_push_result(
    store: Store,
    item_id: int,
    outcome: str,
    reason: str | None,
    params: Mapping[str, Any] | None,
    result: Mapping[str, Any] | None,
    now: datetime,
) -> None:
    """Apply the server's answer to one pushed outbox item, in one transaction."""
    with store.write() as session:
        apply_push_result_in(session, item_id, outcome, reason, params, result, now)


def prefetch_push_items(
    session: Session,
    item_ids: Sequence[int],
    results: Sequence[Mapping[str, Any] | None] = (),
) -> None:
    """Load these outbox items, their messages and what their answers name, in a few queries.

    For applying a whole batch of push answers: :func:`apply_push_result_in` then
    finds them in the session instead of querying once per item. ``results`` are
    the accepted items' ``result`` objects: their ledger entries (already booked?
    which hold do they post?) and message ids (taken already?) are looked up too.
    Only for the rest of the caller's transaction (a message's ``client_id`` never
    changes).
    """
    answers = [r for r in results if r]
    ledger.prefetch_bookings(
        session, [entry for answer in answers for entry in answer.get("ledger") or []]
    )
    server_ids = list(dict.fromkeys(str(a["message_id"]) for a in answers if a.get("message_id")))
    taken: dict[str, bool] = session.info.setdefault(_SERVER_IDS_TAKEN, {})
    for chunk in bulk.chunks(server_ids):
        found = set(session.scalars(select(Message.server_id).where(Message.server_id.in_(chunk))))
        for server_id in chunk:
            taken[server_id] = server_id in found
    items = list(session.scalars(select(OutboxItem).where(OutboxItem.id.in_(item_ids))))
    client_ids = [
        str(item.payload["client_id"])
        for item in items
        if item.kind == "send_message" and item.payload.get("client_id")
    ]
    cache: dict[str, Message] = {}
    for chunk in bulk.chunks(client_ids):
        for message in session.scalars(
            select(Message)
            .where(Message.client_id.in_(chunk))
            .options(selectinload(Message.events))
            .order_by(Message.id)
        ):
            cache.setdefault(str(message.client_id), message)
    session.info[_OUTBOUND_CACHE] = cache
    # The identity map holds objects weakly: keep the items alive for session.get.
    session.info[_ITEMS_HELD] = items


def apply_push_result_in(
    session: Session,
    item_id: int,
    outcome: str,
    reason: str | None,
    params: Mapping[str, Any] | None,
    result: Mapping[str, Any] | None,
    now: datetime,
) -> None:
    """:func:`apply_push_result` inside the caller's transaction (a whole batch at once)."""
    if outcome not in OUTCOMES:
        raise ServerDataError(f"push outcome {outcome!r} is not one of {sorted(OUTCOMES)}")
    item = session.get(OutboxItem, item_id)
    if item is None:
        log.warning("push result for outbox item %s, which no longer exists; ignored", item_id)
        return
    if item.state != OutboxState.PENDING:
        return  # answered already: applying twice changes nothing
    if outcome == "rejected":
        _reject_item(session, item, reason or "rejected", now)
    else:
        _accept_item(session, item, dict(result or {}), now)


def _accept_item(session: Session, item: OutboxItem, result: dict[str, Any], now: datetime) -> None:
    outbox.mark_done(session, item, _jsonable(result), now)
    payload = item.payload
    if item.kind == "send_message":
        message = _outbound(session, payload.get("client_id"), None)
        for entry in result.get("ledger") or []:
            _book(session, entry, now)
        if message is None:
            return
        _set_server_id(session, message, result.get("message_id"))
        advance_status(message, OutboundStatus.SENT, now)
        if result.get("status"):
            advance_status(message, OutboundStatus(result["status"]), now)
    elif item.kind == "purchase_stamps":
        hold = stamps.hold_by_client_id(session, payload["client_id"])
        entries = list(result.get("ledger") or [])
        for entry in entries:
            _book(session, entry, now)
        if hold is not None and entries:
            stamps.resolve_hold(hold, HoldState.POSTED, now)
        debit = result.get("debit")
        if debit:
            stamps.record_debit(
                session, debit["resident_id"], int(debit["cents"]), server_time(debit["as_of"])
            )
        session.flush()
        _fund_dependent_replies(session, item, now)


def _book(session: Session, entry: Mapping[str, Any], now: datetime) -> None:
    ledger.book_entry(session, {**entry, "booked_at": server_time(entry["booked_at"])}, now)


def _fund_dependent_replies(session: Session, purchase: OutboxItem, now: datetime) -> None:
    """A bought-and-sent reply: hold its stamps now that the purchase is confirmed."""
    for item in outbox.dependents(session, purchase.id):
        if item.kind != "send_message":
            continue
        message = _outbound(session, item.payload.get("client_id"), None)
        if message is None or message.payment != Payment.STAMPS or message.stamps_cost <= 0:
            continue
        if stamps.hold_by_client_id(session, message.client_id or "") is not None:
            continue
        already_charged = session.scalar(
            select(LedgerEntry.id).where(
                LedgerEntry.reference == message.client_id, LedgerEntry.kind == LedgerKind.SPEND
            )
        )
        if already_charged is not None:
            continue  # the feed brought the charge first: a hold now would count it twice
        if stamps.spendable(session, message.resident_id) < message.stamps_cost:
            continue  # the server will judge; never hold stamps the resident does not have
        stamps.hold_for_reply(
            session,
            message.resident_id,
            message.client_id or "",
            message.id,
            message.stamps_cost,
            now,
        )
        session.flush()


def _reject_item(session: Session, item: OutboxItem, reason: str, now: datetime) -> None:
    outbox.mark_failed(session, item, reason, now)
    payload = item.payload
    if item.kind == "send_message":
        message = _outbound(session, payload.get("client_id"), None)
        if message is not None:
            stamps.void_hold(session, message.client_id or "", now, reason)
            if advance_status(message, OutboundStatus.REJECTED, now, reason):
                stamps.free_return_stamp(session, message)
                _return_draft(session, message, now)
    elif item.kind == "purchase_stamps":
        stamps.void_hold(session, payload["client_id"], now, reason)
    else:
        log.warning("outbox item %s (%s) refused by the server: %s", item.id, item.kind, reason)
    # What waited on this item can never be sent: it fails for the same reason.
    for dependent in outbox.dependents(session, item.id):
        _reject_item(session, dependent, reason, now)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return outbox.wire_time(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
