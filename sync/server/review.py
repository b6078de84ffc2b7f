"""Review: staff approve or reject every message, in both directions.

Only an approved inbound message enters a terminal's feed. An approved
outbound one is delivered (or waits for the recipient to pay, if COD); a
rejected one is refunded when the policy says so: stamps back to the
resident (a ``refund`` ledger entry), or the return stamp made usable again. A
rejected inbound message's return stamp is refunded to the family that paid for it,
under the same policy (``refund_on_reject``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.clock import utcnow
from sync.server.errors import ApiError, not_found
from sync.server.family import refund_return_stamp
from sync.server.feed import publish, unit_audience
from sync.server.ledger import book, lock_resident
from sync.server.models import Contact, Message, Resident
from sync.server.policy import load_policy
from sync.server.views import message_data, status_data


def pending(
    session: Session,
    facility_id: str | None = None,
    limit: int = 200,
    resident_id: str | None = None,
) -> list[Message]:
    query = select(Message).where(Message.status == "pending_review")
    if resident_id is not None:
        query = query.where(Message.resident_id == resident_id)
    if facility_id is not None:
        query = query.join(Resident, Resident.id == Message.resident_id).where(
            Resident.facility_id == facility_id
        )
    return list(session.execute(query.order_by(Message.created_at).limit(limit)).scalars())


def decide(
    session: Session,
    message_id: str,
    approve: bool,
    reason: str | None = None,
    facility_id: str | None = None,
) -> Message:
    message = session.execute(
        select(Message).where(Message.id == message_id).with_for_update()
    ).scalar_one_or_none()
    if message is None:
        raise not_found("message")
    resident = lock_resident(session, message.resident_id)
    assert resident is not None
    if facility_id is not None and resident.facility_id != facility_id:
        raise not_found("message")
    if message.status != "pending_review":
        raise ApiError(
            409, "invalid_state", "this message was reviewed already", status=message.status
        )
    if not approve and not reason:
        raise ApiError(422, "invalid_request", "a rejection needs a reason", field="reason")
    message.reviewed_at = utcnow()
    audience = unit_audience(resident.facility_id, resident.housing_unit_id)
    refunds = load_policy(session, resident.facility_id).refund_on_reject
    if message.direction == "inbound":
        message.status = "approved" if approve else "rejected"
        message.reason = None if approve else reason
        if approve:
            session.flush()
            publish(session, audience, "message", message_data(session, message))
        elif refunds and message.has_return_stamp:
            contact = session.get(Contact, message.contact_id)
            assert contact is not None
            refund_return_stamp(session, message, contact.family_id)
        return message
    if approve:
        message.status = "awaiting_payment" if message.payment == "cod" else "delivered"
    else:
        message.status = "rejected"
        message.reason = reason
        if refunds:
            _refund(session, resident, message)
    publish(session, audience, "message_status", status_data(message))
    return message


def _refund(session: Session, resident: Resident, message: Message) -> None:
    if message.payment == "stamps" and message.stamps:
        book(
            session,
            resident,
            "refund",
            stamps=message.stamps,
            memo="rejected message",
            reference=message.client_id,
        )
    elif message.payment == "return_stamp" and message.in_reply_to:
        answered = session.get(Message, message.in_reply_to)
        if answered is not None:
            answered.return_stamp_used = False
