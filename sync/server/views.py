"""Rows as wire models: the one place server rows turn into ``sync.protocol`` shapes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sync.protocol import (
    ContactData,
    LedgerEntryData,
    MediaRef,
    MessageData,
    MessageReadData,
    MessageStatusData,
    OutboundMessageData,
    ResidentData,
    StatusStep,
)
from sync.server.models import Contact, LedgerEntry, Media, Message, Resident


def resident_data(resident: Resident) -> ResidentData:
    return ResidentData(
        resident_id=resident.id,
        facility_number=resident.facility_number,
        display_name=resident.display_name,
        housing_unit=resident.housing_unit_id,
        language=resident.language,  # type: ignore[arg-type]
        restricted_until=resident.restricted_until,
        restriction_reason=resident.restriction_reason,
    )


def contact_data(contact: Contact) -> ContactData:
    return ContactData(
        contact_id=contact.id,
        resident_id=contact.resident_id,
        display_name=contact.display_name,
        relationship=contact.relationship,
        state=contact.state,  # type: ignore[arg-type]
        accepts_cod=contact.accepts_cod,
        state_reason=contact.state_reason,
    )


def message_data(session: Session, message: Message) -> MessageData:
    media = session.query(Media).filter(Media.message_id == message.id).order_by(Media.id).all()
    assert message.reviewed_at is not None
    return MessageData(
        message_id=message.id,
        resident_id=message.resident_id,
        contact_id=message.contact_id,
        body=message.body,
        media=[MediaRef(kind=m.kind, id=m.id, caption=m.caption) for m in media],  # type: ignore[arg-type]
        has_return_stamp=message.has_return_stamp,
        approved_at=message.reviewed_at,
    )


def status_data(message: Message) -> MessageStatusData:
    assert message.client_id is not None
    return MessageStatusData(
        message_id=message.id,
        client_id=message.client_id,
        resident_id=message.resident_id,
        status=message.status,  # type: ignore[arg-type]
        reason=message.reason,
        at=message.reviewed_at or message.created_at,
    )


def ledger_data(entry: LedgerEntry) -> LedgerEntryData:
    return LedgerEntryData(
        entry_id=entry.id,
        resident_id=entry.resident_id,
        kind=entry.kind,  # type: ignore[arg-type]
        stamps=entry.stamps,
        cents=entry.cents,
        memo=entry.memo,
        reference=entry.reference,
        booked_at=entry.booked_at,
    )


def outbound_data(message: Message) -> OutboundMessageData:
    """A resident's own message, whole, with the timeline the server can tell.

    ``written_at`` is the writing terminal's own time (1.6; a message stored before
    that has only the server's); the timeline has ``pending_review`` at that time and the
    step at which it was last decided (review, or the family opening a COD message).
    """
    assert message.client_id is not None and message.payment is not None
    written_at = message.written_at or message.created_at
    timeline = [StatusStep(status="pending_review", at=written_at)]
    if message.status != "pending_review":
        timeline.append(
            StatusStep(
                status=message.status,  # type: ignore[arg-type]
                at=message.reviewed_at or message.created_at,
                reason=message.reason,
            )
        )
    return OutboundMessageData(
        message_id=message.id,
        client_id=message.client_id,
        resident_id=message.resident_id,
        contact_id=message.contact_id,
        body=message.body,
        payment=message.payment,  # type: ignore[arg-type]
        stamps=message.stamps,
        in_reply_to=message.in_reply_to,
        written_at=written_at,
        status=message.status,  # type: ignore[arg-type]
        reason=message.reason,
        timeline=timeline,
        hidden=message.hidden,
    )


def read_data(message: Message) -> MessageReadData:
    assert message.read_at is not None
    return MessageReadData(
        message_id=message.id, resident_id=message.resident_id, read_at=message.read_at
    )
