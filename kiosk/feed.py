"""The server's change feed: applying its pages and keeping the cursor it is read from.

The sync engine validates every payload against the wire models first and
hands over plain values (dicts; times as aware datetimes or RFC 3339 strings).
A page is applied and its cursor advanced in one transaction: any change that
cannot be applied rolls back the whole page and leaves the cursor where it was.
Everything here is idempotent: applying the same change twice changes nothing
the second time, so reading the feed again from its start is always safe.

Each change kind has its applier here (residents, contacts, inbound messages
and their read state, ledger entries, the debit balance, facility policy,
device commands), except what moves a resident's own replies on
(``message_status``, ``outbound_message``): those go to :mod:`kiosk.replies`.
A ``message_read`` change marks an inbound message read without queuing
anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kiosk import languages, ledger, replies, residents, stamps
from kiosk.clock import server_time
from kiosk.errors import ServerDataError
from kiosk.policy import any_policy, save_policy
from kiosk.store import bulk
from kiosk.store.database import Store
from kiosk.store.models import (
    Contact,
    ContactState,
    Direction,
    Message,
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
FEED_SCOPE = "changes"


def _maybe_time(value: datetime | str | None) -> datetime | None:
    return None if value is None else server_time(value)


def _require(session: Session, model: type[Resident] | type[Contact], key: str, kind: str) -> None:
    if session.get(model, key) is None:
        raise ServerDataError(f"{kind} change names unknown {model.__tablename__[:-1]} {key!r}")


def apply_change(session: Session, kind: str, data: Mapping[str, Any], now: datetime) -> bool:
    """Apply one change in the caller's transaction; True if it changed anything."""
    if kind not in CHANGE_KINDS:
        raise ServerDataError(f"unknown change kind {kind!r}")
    handler = _HANDLERS[kind]
    return handler(session, data, now)


def _resident(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    existing = session.get(Resident, data["resident_id"])
    fields = {
        "facility_number": data["facility_number"],
        "display_name": data["display_name"],
        "housing_unit": data.get("housing_unit") or "",
        "language": data.get("language") or "en",
        "restricted_until": _maybe_time(data.get("restricted_until")),
        "restriction_reason": data.get("restriction_reason"),
    }
    if existing is not None and all(getattr(existing, k) == v for k, v in fields.items()):
        languages.record_arrived(session, existing)
        return False
    resident = residents.upsert(
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
    languages.record_arrived(session, resident)
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
        "state_reason": data.get("state_reason"),
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
            raise ServerDataError(
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
            "sort_at": [server_time(d["approved_at"]) for d in batch],
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
    message.read_at = server_time(data["read_at"])
    return True


def _ledger_entry(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    _require(session, Resident, data["resident_id"], "ledger_entry")
    return ledger.book_entry(session, {**data, "booked_at": server_time(data["booked_at"])}, now)


def _debit_balance(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    _require(session, Resident, data["resident_id"], "debit_balance")
    return stamps.record_debit(
        session, data["resident_id"], int(data["cents"]), server_time(data["as_of"])
    )


def _policy(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    before = any_policy(session)
    policy = save_policy(session, dict(data), now)
    return before != policy


def _device_command(session: Session, data: Mapping[str, Any], now: datetime) -> bool:
    wipe_resident_data(session, str(data["command"]), now)
    return True


_HANDLERS: dict[str, Callable[[Session, Mapping[str, Any], datetime], bool]] = {
    "resident": _resident,
    "contact": _contact,
    "message": _message,
    "message_status": replies.apply_status_change,
    "outbound_message": replies.apply_outbound_change,
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
