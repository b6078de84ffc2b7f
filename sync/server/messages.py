"""Messages from residents (pushed by a terminal) and the small actions on messages.

A resident's message enters review (``pending_review``); it is paid for here,
in the same transaction, by the return stamp of the message it answers, by
the resident's stamps (a ledger ``spend``), or COD (the recipient pays on open).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.protocol import (
    HideMessagePayload,
    MarkReadPayload,
    SendMessagePayload,
    SendMessageResult,
    SetContactBlockedPayload,
    SetLanguagePayload,
)
from sync.server.auth import DeviceIdentity
from sync.server.clock import utcnow
from sync.server.db import held, rowcount
from sync.server.errors import Rejection
from sync.server.feed import publish, unit_audience
from sync.server.ids import new_id
from sync.server.ledger import book
from sync.server.models import Contact, Message
from sync.server.policy import load_policy
from sync.server.scope import resident_for
from sync.server.views import contact_data, outbound_data, read_data, resident_data, status_data

_CLIENT_IDS = "messages_client_id_taken"


def prefetch_client_ids(session: Session, client_ids: Iterable[str]) -> None:
    """Look up once which of these message ``client_id`` s are taken, for a batch of sends.

    :func:`send_message` then answers from the session for them (and records the
    ones it takes), instead of one query, behind one autoflush, per message.
    """
    wanted = list(dict.fromkeys(client_ids))
    known: dict[str, bool] = session.info.setdefault(_CLIENT_IDS, {})
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        taken = set(session.scalars(select(Message.client_id).where(Message.client_id.in_(chunk))))
        for client_id in chunk:
            known[client_id] = client_id in taken


def _client_id_taken(session: Session, client_id: str) -> bool:
    known: dict[str, bool] | None = session.info.get(_CLIENT_IDS)
    if known is not None and client_id in known:
        return known[client_id]
    return (
        session.execute(select(Message.id).where(Message.client_id == client_id)).first()
        is not None
    )


def send_message(
    session: Session, device: DeviceIdentity, payload: SendMessagePayload
) -> dict[str, Any]:
    resident = resident_for(session, device, payload.resident_id, lock=True)
    policy = load_policy(session, device.facility_id)
    now = utcnow()
    if policy.messaging_suspended:
        raise Rejection("messaging_suspended", reason=policy.suspended_reason)
    if resident.restricted_until is not None and resident.restricted_until > now:
        raise Rejection(
            "restricted",
            until=resident.restricted_until.isoformat(),
            reason=resident.restriction_reason,
        )
    contact = held(session, Contact, payload.contact_id)
    if contact is None or contact.resident_id != resident.id:
        raise Rejection("contact_not_approved", contact_id=payload.contact_id)
    if contact.state == "blocked":
        raise Rejection("contact_blocked", contact_id=contact.id)
    if contact.state != "approved":
        raise Rejection("contact_not_approved", contact_id=contact.id, state=contact.state)
    if len(payload.body) > policy.max_message_chars:
        raise Rejection("too_long", max_chars=policy.max_message_chars, chars=len(payload.body))
    if _client_id_taken(session, payload.client_id):
        raise Rejection("idempotency_key_reused", client_id=payload.client_id)
    answered = None
    if payload.in_reply_to is not None:
        answered = session.get(Message, payload.in_reply_to)
        if answered is None or answered.resident_id != resident.id:
            raise Rejection("unknown_message", message_id=payload.in_reply_to)

    message_id = new_id("msg")
    ledger = []
    if payload.payment == "return_stamp":
        if payload.stamps != 0:
            raise Rejection("price_changed", stamps=0)
        taken = 0
        if answered is not None and answered.contact_id == contact.id:
            taken = rowcount(
                session.execute(
                    update(Message)
                    .where(
                        Message.id == answered.id,
                        Message.direction == "inbound",
                        Message.status == "approved",
                        Message.has_return_stamp.is_(True),
                        Message.return_stamp_used.is_(False),
                    )
                    .values(return_stamp_used=True)
                    .execution_options(synchronize_session=False)
                )
            )
        if taken != 1:
            raise Rejection("return_stamp_unavailable", message_id=payload.in_reply_to)
    elif payload.payment == "stamps":
        if payload.stamps != policy.stamps_per_message:
            raise Rejection("price_changed", stamps=policy.stamps_per_message)
        ledger.append(
            book(
                session,
                resident,
                "spend",
                stamps=-payload.stamps,
                memo="message",
                reference=payload.client_id,
            )
        )
    else:  # cod
        if payload.stamps != 0:
            raise Rejection("price_changed", stamps=0)
        if not policy.cod_allowed or not contact.accepts_cod:
            raise Rejection("cod_not_allowed", contact_id=contact.id)

    message = Message(
        id=message_id,
        direction="outbound",
        resident_id=resident.id,
        contact_id=contact.id,
        body=payload.body,
        status="pending_review",
        created_at=now,
        written_at=payload.written_at,
        client_id=payload.client_id,
        device_id=device.device_id,
        payment=payload.payment,
        stamps=payload.stamps,
        in_reply_to=payload.in_reply_to,
        # Set here, not left to column defaults, so the feed data below needs no flush.
        reason=None,
        has_return_stamp=False,
        return_stamp_used=False,
        hidden=False,
        read_at=None,
        reviewed_at=None,
    )
    session.add(message)
    known: dict[str, bool] | None = session.info.get(_CLIENT_IDS)
    if known is not None:
        known[payload.client_id] = True
    audience = unit_audience(resident.facility_id, resident.housing_unit_id)
    # The whole message first, for every device of the unit (minor 1); then the
    # status, which is all a minor-0 terminal (the one that wrote it) understands.
    publish(session, audience, "outbound_message", outbound_data(message))
    publish(session, audience, "message_status", status_data(message))
    return SendMessageResult(
        message_id=message_id, status="pending_review", ledger=ledger
    ).model_dump(mode="json")


def _own_message(session: Session, resident_id: str, message_id: str) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        message = session.execute(
            select(Message).where(Message.client_id == message_id)
        ).scalar_one_or_none()
    if message is None or message.resident_id != resident_id:
        raise Rejection("unknown_message", message_id=message_id)
    return message


def mark_read(session: Session, device: DeviceIdentity, payload: MarkReadPayload) -> None:
    resident = resident_for(session, device, payload.resident_id)
    message = _own_message(session, resident.id, payload.message_id)
    if message.read_at is not None:
        return  # read already (on this kiosk or another): the feed said so then
    message.read_at = payload.read_at
    if message.direction == "inbound":
        # The resident's other kiosks show it read too.
        publish(
            session,
            unit_audience(resident.facility_id, resident.housing_unit_id),
            "message_read",
            read_data(message),
        )


def hide_message(session: Session, device: DeviceIdentity, payload: HideMessagePayload) -> None:
    resident = resident_for(session, device, payload.resident_id)
    _own_message(session, resident.id, payload.message_id).hidden = True


def set_contact_blocked(
    session: Session, device: DeviceIdentity, payload: SetContactBlockedPayload
) -> None:
    resident = resident_for(session, device, payload.resident_id)
    contact = session.get(Contact, payload.contact_id)
    if contact is None or contact.resident_id != resident.id:
        raise Rejection("contact_not_approved", contact_id=payload.contact_id)
    wanted = "blocked" if payload.blocked else "approved"
    if contact.state == wanted:
        return
    # A resident may block an approved contact and unblock one they blocked; the
    # facility's states (pending, suspended) are not theirs to change.
    if contact.state not in ("approved", "blocked"):
        raise Rejection("contact_not_approved", contact_id=contact.id, state=contact.state)
    contact.state = wanted
    contact.state_reason = None
    publish(
        session,
        unit_audience(resident.facility_id, resident.housing_unit_id),
        "contact",
        contact_data(contact),
    )


def set_language(session: Session, device: DeviceIdentity, payload: SetLanguagePayload) -> None:
    """(1.8) The resident's language on his record: every terminal of his unit learns it."""
    resident = resident_for(session, device, payload.resident_id)
    if resident.language == payload.language:
        return
    resident.language = payload.language
    publish(
        session,
        unit_audience(resident.facility_id, resident.housing_unit_id),
        "resident",
        resident_data(resident),
    )
