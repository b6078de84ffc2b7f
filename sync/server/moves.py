"""Moving a resident to another housing unit: their whole history follows them.

Devices see only their units' changes, so the new unit's devices have never
heard of the resident. The move publishes to the new unit, in the order a
terminal can apply it: the resident, their contacts, their ledger and debit
balance, the approved inbound messages, their own outbound messages (whole,
with status), and which inbound messages were read. The old unit's devices get
the ``resident`` change that says where the resident went.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.errors import not_found
from sync.server.feed import publish, unit_audience
from sync.server.ledger import debit_data
from sync.server.models import Contact, HousingUnit, LedgerEntry, Message, Resident
from sync.server.views import (
    contact_data,
    ledger_data,
    message_data,
    outbound_data,
    read_data,
    resident_data,
)


def move_resident(session: Session, resident: Resident, unit_id: str) -> Resident:
    """Put ``resident`` (locked by the caller) in ``unit_id`` and send their history there."""
    unit = session.get(HousingUnit, (resident.facility_id, unit_id))
    if unit is None:
        raise not_found("housing unit")
    if resident.housing_unit_id == unit.id:
        return resident  # asked twice: the history went there the first time
    old = unit_audience(resident.facility_id, resident.housing_unit_id)
    resident.housing_unit_id = unit.id
    session.flush()
    publish(session, old, "resident", resident_data(resident))
    publish_history(session, resident)
    return resident


def publish_history(session: Session, resident: Resident) -> None:
    """Everything a terminal holds about ``resident``, to the devices of their unit now."""
    audience = unit_audience(resident.facility_id, resident.housing_unit_id)
    publish(session, audience, "resident", resident_data(resident))
    contacts = session.execute(
        select(Contact).where(Contact.resident_id == resident.id).order_by(Contact.id)
    ).scalars()
    for contact in contacts:
        publish(session, audience, "contact", contact_data(contact))
    entries = session.execute(
        select(LedgerEntry)
        .where(LedgerEntry.resident_id == resident.id)
        .order_by(LedgerEntry.booked_at, LedgerEntry.id)
    ).scalars()
    for entry in entries:
        publish(session, audience, "ledger_entry", ledger_data(entry))
    publish(session, audience, "debit_balance", debit_data(resident))
    messages = list(
        session.execute(
            select(Message)
            .where(Message.resident_id == resident.id)
            .order_by(Message.created_at, Message.id)
        ).scalars()
    )
    inbound = [m for m in messages if m.direction == "inbound" and m.status == "approved"]
    # Inbound first: a reply names the message it answers.
    for message in inbound:
        publish(session, audience, "message", message_data(session, message))
    for message in messages:
        if message.direction == "outbound":
            publish(session, audience, "outbound_message", outbound_data(message))
    for message in inbound:
        if message.read_at is not None:
            publish(session, audience, "message_read", read_data(message))
