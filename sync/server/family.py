"""The families' side: send a message (with a return stamp and photos), transfer stamps,
pay for and open a COD message. Every paid action carries an idempotency key and
is applied once (the key's record commits with the effect).

Families' money is what was charged to their card: each charge, and each refund of
one, is a :class:`FamilyCharge` (``GET /v1/family/charges``), and
``FamilyAccount.spent_cents`` is their sum; a real deployment hands them to its
payment processor. The return stamp of a message staff reject is refunded when the
policy refunds rejections (:func:`refund_return_stamp`), as a resident's stamps are.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import PolicyDocument
from sync.server.auth import TokenIdentity
from sync.server.clock import utcnow
from sync.server.db import Database
from sync.server.errors import ApiError, not_found
from sync.server.feed import publish, unit_audience
from sync.server.idempotency import once
from sync.server.ids import new_id
from sync.server.ledger import book, lock_resident
from sync.server.models import Contact, FamilyAccount, FamilyCharge, Media, Message, Resident
from sync.server.policy import load_policy
from sync.server.schemas import (
    FamilyChargeView,
    FamilyContactView,
    FamilyMessageAccepted,
    FamilyMessageRequest,
    FamilyMessageView,
    FamilyOpened,
    OpenRequest,
    TransferRequest,
    TransferResult,
)
from sync.server.views import status_data


def stamp_price(policy: PolicyDocument) -> int:
    """What one stamp costs a family: the cheapest per-stamp price on sale."""
    if not policy.stamp_products:
        return 0
    return min(-(-p.price_cents // p.stamps) for p in policy.stamp_products)


def _contact(session: Session, family: TokenIdentity, contact_id: str) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or contact.family_id != family.family_id:
        raise not_found("contact")
    return contact


def _charge(session: Session, family_id: str, kind: str, cents: int, reference: str) -> None:
    if cents == 0:
        return
    account = session.get(FamilyAccount, family_id)
    assert account is not None
    account.spent_cents += cents
    session.add(
        FamilyCharge(
            id=new_id("fch"),
            family_id=family_id,
            kind=kind,
            cents=cents,
            reference=reference,
            booked_at=utcnow(),
        )
    )


def refund_return_stamp(session: Session, message: Message, family_id: str) -> None:
    """Give back what the family paid for the return stamp of ``message`` (rejected), once."""
    paid = session.execute(
        select(FamilyCharge.cents).where(
            FamilyCharge.reference == message.id,
            FamilyCharge.family_id == family_id,
            FamilyCharge.kind.in_(("return_stamp", "refund")),
        )
    ).scalars()
    owed = sum(paid)  # the charge less any refund of it: 0 once refunded
    if owed > 0:
        _charge(session, family_id, "refund", -owed, message.id)


def charges(session: Session, family: TokenIdentity) -> list[FamilyChargeView]:
    rows = session.execute(
        select(FamilyCharge)
        .where(FamilyCharge.family_id == family.family_id)
        .order_by(FamilyCharge.booked_at, FamilyCharge.id)
    ).scalars()
    return [
        FamilyChargeView(
            entry_id=c.id,
            kind=c.kind,  # type: ignore[arg-type]
            cents=c.cents,
            reference=c.reference,
            booked_at=c.booked_at,
        )
        for c in rows
    ]


def contacts(session: Session, family: TokenIdentity) -> list[FamilyContactView]:
    rows = session.execute(
        select(Contact, Resident.display_name)
        .join(Resident, Resident.id == Contact.resident_id)
        .where(Contact.family_id == family.family_id)
        .order_by(Contact.id)
    ).all()
    return [
        FamilyContactView(
            contact_id=c.id,
            resident_name=name,
            state=c.state,  # type: ignore[arg-type]
            accepts_cod=c.accepts_cod,
        )
        for c, name in rows
    ]


def send(db: Database, family: TokenIdentity, request: FamilyMessageRequest) -> dict[str, Any]:
    def apply(session: Session) -> dict[str, Any]:
        contact = _contact(session, family, request.contact_id)
        if contact.state != "approved":
            raise ApiError(
                409, "contact_not_approved", "this contact is not approved", state=contact.state
            )
        resident = session.get(Resident, contact.resident_id)
        assert resident is not None
        policy = load_policy(session, resident.facility_id)
        if len(request.body) > policy.max_message_chars:
            raise ApiError(
                422, "too_long", "the message is too long", max_chars=policy.max_message_chars
            )
        charged = stamp_price(policy) if request.return_stamp else 0
        message = Message(
            id=new_id("msg"),
            direction="inbound",
            resident_id=resident.id,
            contact_id=contact.id,
            body=request.body,
            status="pending_review",
            created_at=utcnow(),
            has_return_stamp=request.return_stamp,
        )
        session.add(message)
        session.flush()
        assert family.family_id is not None
        _charge(session, family.family_id, "return_stamp", charged, message.id)
        for photo in request.photos:
            session.add(
                Media(
                    id=new_id("med"),
                    message_id=message.id,
                    kind="photo",
                    caption=photo.caption,
                    content_type=photo.content_type,
                    data=base64.b64decode(photo.data_base64),
                )
            )
        return FamilyMessageAccepted(
            message_id=message.id, status="pending_review", charged_cents=charged
        ).model_dump(mode="json")

    return once(
        db, f"family:{family.family_id}", request.idempotency_key, "family_message", request, apply
    )


def transfer(db: Database, family: TokenIdentity, request: TransferRequest) -> dict[str, Any]:
    def apply(session: Session) -> dict[str, Any]:
        contact = _contact(session, family, request.contact_id)
        if contact.state != "approved":
            raise ApiError(
                409, "contact_not_approved", "this contact is not approved", state=contact.state
            )
        resident = lock_resident(session, contact.resident_id)
        assert resident is not None
        charged = stamp_price(load_policy(session, resident.facility_id)) * request.stamps
        assert family.family_id is not None
        _charge(session, family.family_id, "transfer", charged, request.idempotency_key)
        entry = book(
            session,
            resident,
            "transfer_in",
            stamps=request.stamps,
            memo=f"from {contact.display_name}"[:200],
            reference=request.idempotency_key,
        )
        return TransferResult(
            entry_id=entry.entry_id, stamps=request.stamps, charged_cents=charged
        ).model_dump(mode="json")

    return once(
        db, f"family:{family.family_id}", request.idempotency_key, "family_transfer", request, apply
    )


def messages(session: Session, family: TokenIdentity) -> list[FamilyMessageView]:
    assert family.facility_id is not None
    cod_price_cents = load_policy(session, family.facility_id).cod_price_cents
    rows = session.execute(
        select(Message)
        .join(Contact, Contact.id == Message.contact_id)
        .where(Contact.family_id == family.family_id)
        .order_by(Message.created_at, Message.id)
    ).scalars()
    views = []
    for m in rows:
        if m.direction == "outbound" and m.status not in (
            "delivered",
            "awaiting_payment",
            "opened",
        ):
            continue  # a resident's message reaches the family only once approved
        waiting = m.status == "awaiting_payment"
        views.append(
            FamilyMessageView(
                message_id=m.id,
                contact_id=m.contact_id,
                direction=m.direction,  # type: ignore[arg-type]
                status=m.status,
                reason=m.reason,
                body=None if waiting else m.body,
                cod_price_cents=cod_price_cents if waiting else None,
                created_at=m.created_at,
            )
        )
    return views


def open_cod(
    db: Database,
    family: TokenIdentity,
    message_id: str,
    request: OpenRequest,
) -> dict[str, Any]:
    def apply(session: Session) -> dict[str, Any]:
        message = session.execute(
            select(Message).where(Message.id == message_id).with_for_update()
        ).scalar_one_or_none()
        if message is None or message.direction != "outbound":
            raise not_found("message")
        _contact(session, family, message.contact_id)
        if message.status != "awaiting_payment":
            raise ApiError(409, "invalid_state", "nothing to pay for", status=message.status)
        assert family.facility_id is not None
        # The price the family was shown is the policy's now (COD price, protocol 1.8).
        cod_price_cents = load_policy(session, family.facility_id).cod_price_cents
        assert family.family_id is not None
        _charge(session, family.family_id, "cod_open", cod_price_cents, message.id)
        message.status = "opened"
        message.reviewed_at = utcnow()
        resident = session.get(Resident, message.resident_id)
        assert resident is not None
        publish(
            session,
            unit_audience(resident.facility_id, resident.housing_unit_id),
            "message_status",
            status_data(message),
        )
        return FamilyOpened(
            message_id=message.id, body=message.body, charged_cents=cod_price_cents
        ).model_dump(mode="json")

    return once(
        db,
        f"family:{family.family_id}",
        request.idempotency_key,
        f"family_open:{message_id}",
        request,
        apply,
    )
