"""Applying what the server says: changes from the feed and answers to pushed items.

The sync engine validates every payload against the wire models first and
hands over plain values (dicts; times as aware datetimes or RFC 3339 strings).
Everything here is idempotent: applying the same change or the same push
result twice changes nothing the second time.

Statuses of an outbound message never go backwards::

    queued -> sent -> pending_review -> delivered | awaiting_payment | rejected
    awaiting_payment | delivered -> opened

so a late ``sent`` after ``delivered`` is ignored, and ``rejected`` is final.

A resident's own messages follow them to every kiosk of their unit: an
``outbound_message`` change inserts one written elsewhere (with its status and
timeline) and only updates one this terminal wrote (same ``client_id``); a
``message_read`` change marks an inbound message read without queuing anything.

A reply refused at push (never accepted by the server) gets its payment back
here: the SPEND hold is voided or the return stamp freed. A reply rejected in
review was accepted and charged: whether a stamp comes back is the server's
decision, which arrives as a ``refund`` ledger entry; a return stamp is freed
locally when the facility policy refunds on rejection. Either way the text
comes back as an editable draft (origin ``rejected``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from kiosk import drafts, outbox, residents, stamps
from kiosk.policy import any_policy, save_policy
from kiosk.store import bulk
from kiosk.store.database import Store
from kiosk.store.models import (
    Contact,
    ContactState,
    Direction,
    Hold,
    HoldKind,
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
    SyncCursor,
)
from kiosk.wipe import finish_wipe, wipe_resident_data

log = logging.getLogger(__name__)

CHANGE_KINDS = frozenset(
    {
        "resident",
        "contact",
        "message",
        "message_status",
        "outbound_message",
        "message_read",
        "ledger_entry",
        "debit_balance",
        "policy",
        "device_command",
    }
)
OUTCOMES = frozenset({"accepted", "duplicate", "rejected"})
FEED_SCOPE = "changes"

_RANK = {
    OutboundStatus.QUEUED: 0,
    OutboundStatus.SENT: 1,
    OutboundStatus.PENDING_REVIEW: 2,
    OutboundStatus.DELIVERED: 3,
    OutboundStatus.AWAITING_PAYMENT: 3,
    OutboundStatus.REJECTED: 3,
    OutboundStatus.OPENED: 4,
}


class IntakeError(ValueError):
    """A change cannot be applied as given (names the kind and what is wrong)."""


def when(value: datetime | str) -> datetime:
    """An aware UTC datetime from a datetime or an RFC 3339 string."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise IntakeError(f"time {value!r} has no zone; the protocol sends UTC")
    return parsed


def _maybe_when(value: datetime | str | None) -> datetime | None:
    return None if value is None else when(value)


def _require(session: Session, model: type[Resident] | type[Contact], key: str, kind: str) -> None:
    if session.get(model, key) is None:
        raise IntakeError(f"{kind} change names unknown {model.__tablename__[:-1]} {key!r}")


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
    )


def _free_return_stamp(session: Session, message: Message) -> None:
    if message.payment == Payment.RETURN_STAMP and message.in_reply_to is not None:
        answered = session.get(Message, message.in_reply_to)
        if answered is not None:
            answered.return_stamp_used = False


_OUTBOUND_CACHE = "intake_outbound_by_client_id"
_ITEMS_HELD = "intake_prefetched_items"
_SERVER_IDS_TAKEN = "intake_server_ids_taken"


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


# -- feed changes -----------------------------------------------------------------------


def apply_change(session: Session, kind: str, data: Mapping[str, Any], now: datetime) -> bool:
    """Apply one change in the caller's transaction; True if it changed anything."""
    if kind not in CHANGE_KINDS:
        raise IntakeError(f"unknown change kind {kind!r}")
    handler = _HANDLERS[kind]
    return handler(session, data, now)


def _resident(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    existing = session.get(Resident, data["resident_id"])
    fields = {
        "facility_number": data["facility_number"],
        "display_name": data["display_name"],
        "housing_unit": data.get("housing_unit") or "",
        "language": data.get("language") or "en",
        "restricted_until": _maybe_when(data.get("restricted_until")),
        "restriction_reason": data.get("restriction_reason"),
    }
    if existing is not None and all(getattr(existing, k) == v for k, v in fields.items()):
        return False
    residents.upsert(
        session,
        data["resident_id"],
        fields["facility_number"],
        fields["display_name"],
        now,
        housing_unit=fields["housing_unit"],
        language=fields["language"],
        restricted_until=fields["restricted_until"],
        restriction_reason=fields["restriction_reason"],
    )
    return True


def _contact(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    _require(session, Resident, data["resident_id"], "contact")
    state = ContactState(data["state"])
    contact = session.get(Contact, data["contact_id"])
    values = {
        "resident_id": data["resident_id"],
        "display_name": data["display_name"],
        "relationship_label": data.get("relationship") or "",
        "state": state,
        "accepts_cod": bool(data.get("accepts_cod", False)),
    }
    if contact is None:
        session.add(Contact(id=data["contact_id"], updated_at=now, **values))
        return True
    if all(getattr(contact, k) == v for k, v in values.items()):
        return False
    for key, value in values.items():
        setattr(contact, key, value)
    contact.updated_at = now
    return True


def _message(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    return insert_messages(session, [data]) > 0


def insert_messages(session: Session, batch: Sequence[Mapping[str, Any]]) -> int:
    """Insert approved inbound messages not held yet; returns how many were new.

    One query checks the messages' contacts, one statement inserts them all and
    skips those already held (the feed delivers thousands at a time, and may
    deliver one again).
    """
    if not batch:
        return 0
    owners: dict[str, str] = {}
    for chunk in bulk.chunks(sorted({str(d["contact_id"]) for d in batch})):
        owners.update(
            session.execute(
                select(Contact.id, Contact.resident_id).where(Contact.id.in_(chunk))
            ).all()
        )
    for data in batch:
        if owners.get(str(data["contact_id"])) != data["resident_id"]:
            raise IntakeError(
                f"message {data['message_id']!r} names unknown contact {data['contact_id']!r} "
                f"of resident {data['resident_id']!r}"
            )
    return bulk.insert_new(
        session,
        Message.metadata.tables[Message.__tablename__],
        {
            "server_id": [str(d["message_id"]) for d in batch],
            "resident_id": [d["resident_id"] for d in batch],
            "contact_id": [d["contact_id"] for d in batch],
            "body": [d["body"] for d in batch],
            "media": [[dict(m) for m in d.get("media") or ()] for d in batch],
            "sort_at": [when(d["approved_at"]) for d in batch],
            "has_return_stamp": [bool(d.get("has_return_stamp", False)) for d in batch],
        },
        same={
            "direction": Direction.INBOUND,
            "return_stamp_used": False,
            "hidden": False,
            "stamps_cost": 0,
        },
        unique="server_id",
    )


def _message_status(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    message = _outbound(session, data.get("client_id"), data.get("message_id"))
    if message is None or message.direction != Direction.OUTBOUND:
        log.info("status for an outbound message this terminal does not hold; ignored")
        return False
    _set_server_id(session, message, data.get("message_id"))
    return _step(session, message, OutboundStatus(data["status"]), when(data["at"]), data, now)


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
            _free_return_stamp(session, message)
        _return_draft(session, message, now)
    return True


def _refunds_on_reject(session: Session) -> bool:
    policy = any_policy(session)
    return policy is None or policy.refund_on_reject


def _timeline(data: Mapping[str, Any]) -> list[tuple[OutboundStatus, datetime, Mapping[str, Any]]]:
    """The steps of an ``outbound_message`` change, oldest first, ending at its current status."""
    steps = [
        (OutboundStatus(step["status"]), when(step["at"]), step)
        for step in data.get("timeline") or []
    ]
    current = OutboundStatus(data["status"])
    if all(status != current for status, _, _ in steps):
        at = steps[-1][1] if steps else when(data["written_at"])
        steps.append((current, at, data))
    return steps


def _outbound_message(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    """A resident's own message, whole: insert it if not held, else bring it up to date.

    The terminal that wrote it holds it by ``client_id``: it is not duplicated,
    only given its server id and any step it has not seen. One written on another
    terminal is inserted with its status and timeline; its payment was settled
    there and on the server (the ledger entries arrive on their own), so no hold
    is made and no draft returned here.
    """
    _require(session, Resident, data["resident_id"], "outbound_message")
    message = _outbound(session, data["client_id"], data["message_id"])
    if message is not None:
        if message.direction != Direction.OUTBOUND or message.resident_id != data["resident_id"]:
            raise IntakeError(
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
        raise IntakeError(
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
        sort_at=when(data["written_at"]),
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
        refunded = message.status == OutboundStatus.REJECTED and _refunds_on_reject(session)
        answered.return_stamp_used = not refunded
    return True


def _message_read(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    """An inbound message read on another kiosk reads as read here too (nothing is queued)."""
    message = session.scalars(
        select(Message).where(Message.server_id == data["message_id"])
    ).first()
    if message is None or message.direction != Direction.INBOUND:
        log.info("read state for a message this terminal does not hold; ignored")
        return False
    if message.read_at is not None:
        return False
    message.read_at = when(data["read_at"])
    return True


def _ledger_entry(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    _require(session, Resident, data["resident_id"], "ledger_entry")
    return stamps.book_entry(session, {**data, "booked_at": when(data["booked_at"])}, now)


def _debit_balance(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    _require(session, Resident, data["resident_id"], "debit_balance")
    return stamps.record_debit(
        session, data["resident_id"], int(data["cents"]), when(data["as_of"])
    )


def _policy(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    before = any_policy(session)
    policy = save_policy(session, dict(data), now)
    return before != policy


def _device_command(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    wipe_resident_data(session, str(data["command"]), now)
    return True


_HANDLERS = {
    "resident": _resident,
    "contact": _contact,
    "message": _message,
    "message_status": _message_status,
    "outbound_message": _outbound_message,
    "message_read": _message_read,
    "ledger_entry": _ledger_entry,
    "debit_balance": _debit_balance,
    "policy": _policy,
    "device_command": _device_command,
}


def apply_page(
    store: Store,
    changes: Iterable[Mapping[str, Any]],
    next_cursor: str,
    now: datetime,
    scope: str = FEED_SCOPE,
    *,
    before_commit: Callable[[], None] | None = None,
) -> int:
    """Apply a page of changes (each ``{kind, data}``) and advance the cursor, atomically.

    Returns how many changes changed something. Any failure rolls the whole
    page back and leaves the cursor where it was. ``before_commit`` runs inside
    the transaction, after the cursor is written (the crash suite's fault point).
    """
    changed = 0
    pending = list(changes)
    wiped = any(c["kind"] == "device_command" for c in pending)
    with store.write() as session:
        start = 0
        while start < len(pending):
            kind = pending[start]["kind"]
            if kind == "message":
                # A run of messages goes in as one batch (the bulk of any backlog).
                end = start
                while end < len(pending) and pending[end]["kind"] == "message":
                    end += 1
                changed += insert_messages(session, [c["data"] for c in pending[start:end]])
                start = end
                continue
            if apply_change(session, kind, pending[start]["data"], now):
                changed += 1
            session.flush()
            start += 1
        session.execute(
            sqlite_insert(SyncCursor)
            .values(scope=scope, cursor=next_cursor, updated_at=now)
            .on_conflict_do_update(
                index_elements=[SyncCursor.scope],
                set_={"cursor": next_cursor, "updated_at": now},
            )
        )
        if before_commit is not None:
            before_commit()
    if wiped:
        finish_wipe(store)
    return changed


def current_cursor(store: Store, scope: str = FEED_SCOPE) -> str | None:
    """Where the pull resumes (None: from the start)."""
    with store.read() as session:
        row = session.get(SyncCursor, scope)
        return None if row is None else row.cursor


def forget_cursor(store: Store, scope: str = FEED_SCOPE) -> None:
    """Drop the stored cursor, so the next pull reads the feed from its start."""
    with store.write() as session:
        session.execute(delete(SyncCursor).where(SyncCursor.scope == scope))


# -- push results -----------------------------------------------------------------------


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
    stamps.prefetch_bookings(
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
        raise IntakeError(f"push outcome {outcome!r} is not one of {sorted(OUTCOMES)}")
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
                session, debit["resident_id"], int(debit["cents"]), when(debit["as_of"])
            )
        session.flush()
        _fund_dependent_replies(session, item, now)


def _book(session: Session, entry: Mapping[str, Any], now: datetime) -> None:
    stamps.book_entry(session, {**entry, "booked_at": when(entry["booked_at"])}, now)


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
        session.add(
            Hold(
                client_id=message.client_id,
                resident_id=message.resident_id,
                kind=HoldKind.SPEND,
                stamps=message.stamps_cost,
                cents=0,
                message_id=message.id,
                state=HoldState.PENDING,
                created_at=now,
            )
        )
        session.flush()


def _reject_item(session: Session, item: OutboxItem, reason: str, now: datetime) -> None:
    outbox.mark_failed(session, item, reason, now)
    payload = item.payload
    if item.kind == "send_message":
        message = _outbound(session, payload.get("client_id"), None)
        if message is not None:
            hold = stamps.hold_by_client_id(session, message.client_id or "")
            if hold is not None:
                stamps.resolve_hold(hold, HoldState.VOIDED, now, reason)
            if advance_status(message, OutboundStatus.REJECTED, now, reason):
                _free_return_stamp(session, message)
                _return_draft(session, message, now)
    elif item.kind == "purchase_stamps":
        hold = stamps.hold_by_client_id(session, payload["client_id"])
        if hold is not None:
            stamps.resolve_hold(hold, HoldState.VOIDED, now, reason)
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
