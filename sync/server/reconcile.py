"""Reconcile: compare a terminal's confirmed figures with the ledger; answer any
difference with the resident's authoritative snapshot."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from sync.protocol import (
    PROTOCOL_MINOR,
    Mismatch,
    ReconcileRequest,
    ReconcileResponse,
    ResidentSnapshot,
)
from sync.server.auth import DeviceIdentity
from sync.server.clock import utcnow
from sync.server.errors import ApiError, Rejection
from sync.server.feed import head
from sync.server.models import Contact, LedgerEntry, Message, Resident
from sync.server.scope import resident_for
from sync.server.views import (
    contact_data,
    ledger_data,
    message_data,
    outbound_data,
    read_data,
    resident_data,
    status_data,
)

_INBOUND = (Message.direction == "inbound") & (Message.status == "approved")
_VISIBLE = or_(_INBOUND, Message.direction == "outbound")


def _holdable(device: DeviceIdentity, minor: int) -> ColumnElement[bool]:
    """The messages a terminal of protocol ``1.minor`` can hold for a resident.

    From minor 1 the feed carries every outbound message of the resident; before,
    a terminal learnt only of those it wrote itself.
    """
    if minor >= 1:
        return _VISIBLE
    return or_(
        _INBOUND, (Message.direction == "outbound") & (Message.device_id == device.device_id)
    )


def message_count(
    session: Session,
    resident_id: str,
    device: DeviceIdentity | None = None,
    minor: int = PROTOCOL_MINOR,
) -> int:
    """Server messages a terminal can hold for a resident: inbound approved + outbound accepted."""
    holdable = _VISIBLE if device is None else _holdable(device, minor)
    return int(
        session.execute(
            select(func.count())
            .select_from(Message)
            .where(Message.resident_id == resident_id, holdable)
        ).scalar_one()
    )


def unknown_fields(minor: int) -> dict[str, Any] | None:
    """What to leave out of a reconcile answer for a terminal of protocol ``1.minor``."""
    if minor >= 1:
        return None
    return {"snapshots": {"__all__": {"outbound", "reads"}}}


def reconcile(
    session: Session,
    device: DeviceIdentity,
    request: ReconcileRequest,
    minor: int = PROTOCOL_MINOR,
) -> ReconcileResponse:
    mismatches: list[Mismatch] = []
    snapshots: list[ResidentSnapshot] = []
    cursor = head(session)
    for counts in request.residents:
        try:
            resident = resident_for(session, device, counts.resident_id)
        except Rejection as refusal:
            raise ApiError(
                403, "not_your_resident", "not a resident of this device's units", **refusal.params
            ) from None
        server: tuple[tuple[Literal["stamps", "debit_cents", "messages"], int, int], ...] = (
            ("stamps", counts.stamps, resident.stamps),
            ("debit_cents", counts.debit_cents, resident.debit_cents),
            ("messages", counts.messages, message_count(session, resident.id, device, minor)),
        )
        found = [
            Mismatch(resident_id=resident.id, field=field, terminal=mine, server=theirs)
            for field, mine, theirs in server
            if mine != theirs
        ]
        if found:
            mismatches.extend(found)
            snapshots.append(snapshot(session, resident, cursor))
    return ReconcileResponse(mismatches=mismatches, snapshots=snapshots)


def snapshot(session: Session, resident: Resident, cursor: int) -> ResidentSnapshot:
    messages = list(
        session.execute(
            select(Message)
            .where(Message.resident_id == resident.id, _VISIBLE)
            .order_by(Message.created_at)
        ).scalars()
    )
    return ResidentSnapshot(
        resident=resident_data(resident),
        contacts=[
            contact_data(c)
            for c in session.execute(
                select(Contact).where(Contact.resident_id == resident.id).order_by(Contact.id)
            ).scalars()
        ],
        stamps=resident.stamps,
        debit_cents=resident.debit_cents,
        ledger=[
            ledger_data(e)
            for e in session.execute(
                select(LedgerEntry)
                .where(LedgerEntry.resident_id == resident.id)
                .order_by(LedgerEntry.booked_at, LedgerEntry.id)
            ).scalars()
        ],
        messages=[message_data(session, m) for m in messages if m.direction == "inbound"],
        statuses=[status_data(m) for m in messages if m.direction == "outbound"],
        outbound=[outbound_data(m) for m in messages if m.direction == "outbound"],
        reads=[
            read_data(m) for m in messages if m.direction == "inbound" and m.read_at is not None
        ],
        cursor=str(cursor),
        as_of=utcnow(),
    )
