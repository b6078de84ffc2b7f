"""Writing a reply: what it costs, how it is paid, and queueing it in one transaction.

Payment, in the design's order of preference:

1. the return stamp of the message it answers (free to the resident, once);
2. the resident's own spendable stamps (``stamps_per_message``);
3. COD, when the facility allows it and the contact accepts COD.

Before payment, the reply must be allowed at all. Refusal codes, in the order
checked: ``messaging_suspended`` (reason), ``closed`` (opens_at),
``restricted`` (until, reason), ``not_found``, ``contact_not_approved`` /
``contact_blocked`` / ``contact_suspended``, ``reply_target_invalid``,
``empty_message``, ``too_long`` (chars, max_chars), then
``insufficient_stamps`` (needed, have) when nothing can pay.

:func:`send_reply` writes the outbound message (QUEUED, with its first
timeline step), the payment (a SPEND hold, or the return stamp spent; both
through :mod:`kiosk.stamps`), removes the draft it came from, queues
``send_message`` and audits it, all in the caller's single transaction. What
happens to the reply after that is :mod:`kiosk.replies`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kiosk import audit, contacts, drafts, outbox, stamps
from kiosk.errors import Refusal
from kiosk.policy import Policy
from kiosk.store.models import (
    Direction,
    Message,
    MessageEvent,
    OutboundStatus,
    OutboxItem,
    Payment,
)
from kiosk.views import Quote


def _answered(
    session: Session, resident_id: str, contact_id: str, in_reply_to: int | None
) -> Message | None:
    if in_reply_to is None:
        return None
    answered = session.get(Message, in_reply_to)
    if answered is None or answered.resident_id != resident_id:
        raise Refusal("not_found", what="message", id=in_reply_to)
    if answered.direction != Direction.INBOUND or answered.contact_id != contact_id:
        raise Refusal("reply_target_invalid", message_id=in_reply_to)
    return answered


def check_sendable(
    session: Session,
    policy: Policy,
    resident_id: str,
    contact_id: str,
    in_reply_to: int | None,
    text: str,
    now: datetime,
) -> Message | None:
    """Every rule except payment; returns the message answered (if any)."""
    if policy.messaging_suspended:
        raise Refusal("messaging_suspended", reason=policy.suspended_reason)
    if not policy.is_open(now):
        raise Refusal("closed", opens_at=policy.next_opening(now))
    refusal = contacts.message_refusal(session, resident_id, contact_id, now)
    if refusal is not None:
        raise refusal
    answered = _answered(session, resident_id, contact_id, in_reply_to)
    if not text.strip():
        raise Refusal("empty_message")
    if len(text) > policy.max_message_chars:
        raise Refusal("too_long", chars=len(text), max_chars=policy.max_message_chars)
    return answered


def quote(
    session: Session,
    policy: Policy,
    resident_id: str,
    contact_id: str,
    in_reply_to: int | None,
    text: str,
    now: datetime,
) -> Quote:
    """The payment that applies to this reply now, or the Refusal that stops it."""
    answered = check_sendable(session, policy, resident_id, contact_id, in_reply_to, text, now)
    chars, limit = len(text), policy.max_message_chars
    if answered is not None and answered.has_return_stamp and not answered.return_stamp_used:
        return Quote(Payment.RETURN_STAMP, 0, chars, limit)
    cost = policy.stamps_per_message
    have = stamps.spendable(session, resident_id)
    if have >= cost:
        return Quote(Payment.STAMPS, cost, chars, limit)
    contact = contacts.owned_contact(session, resident_id, contact_id)
    if policy.cod_allowed and contact.accepts_cod:
        return Quote(Payment.COD, 0, chars, limit, policy.cod_price_cents)
    raise Refusal("insufficient_stamps", needed=cost, have=max(0, have))


def _queue(
    session: Session,
    resident_id: str,
    contact_id: str,
    answered: Message | None,
    text: str,
    payment: Payment,
    cost: int,
    now: datetime,
    *,
    hold_stamps: bool,
    draft_id: int | None,
    depends_on: int | None,
) -> tuple[Message, OutboxItem]:
    if draft_id is not None:
        drafts.delete_draft(session, resident_id, draft_id)
    client_id = outbox.new_key()
    message = Message(
        client_id=client_id,
        resident_id=resident_id,
        contact_id=contact_id,
        direction=Direction.OUTBOUND,
        body=text,
        media=[],
        sort_at=now,
        status=OutboundStatus.QUEUED,
        payment=payment,
        stamps_cost=cost,
        in_reply_to=None if answered is None else answered.id,
        has_return_stamp=False,
        return_stamp_used=False,
        hidden=False,
    )
    message.events.append(MessageEvent(status=OutboundStatus.QUEUED, at=now))
    session.add(message)
    session.flush()
    if payment == Payment.RETURN_STAMP and answered is not None:
        stamps.use_return_stamp(answered)
    if hold_stamps and cost > 0:
        stamps.hold_for_reply(session, resident_id, client_id, message.id, cost, now)
    item = outbox.enqueue(
        session,
        "send_message",
        {
            "client_id": client_id,
            "resident_id": resident_id,
            "contact_id": contact_id,
            "body": text,
            "in_reply_to": None if answered is None else answered.server_id,
            "payment": payment.value,
            "stamps": cost,
            "written_at": outbox.wire_time(now),
        },
        now,
        depends_on=depends_on,
    )
    audit.record(
        session,
        "send_reply",
        resident_id,
        now,
        contact_id=contact_id,
        client_id=client_id,
        payment=payment.value,
        stamps=cost,
        chars=len(text),
    )
    session.flush()
    return message, item


def send_reply(
    session: Session,
    policy: Policy,
    resident_id: str,
    contact_id: str,
    in_reply_to: int | None,
    text: str,
    now: datetime,
    *,
    expected_payment: Payment | None = None,
    draft_id: int | None = None,
) -> tuple[Message, OutboxItem]:
    """Queue a reply and its payment in the caller's transaction.

    ``payment_changed`` (payment) if ``expected_payment`` no longer applies.
    """
    q = quote(session, policy, resident_id, contact_id, in_reply_to, text, now)
    if expected_payment is not None and q.payment != expected_payment:
        raise Refusal("payment_changed", payment=q.payment.value, stamps=q.stamps)
    answered = _answered(session, resident_id, contact_id, in_reply_to)
    return _queue(
        session,
        resident_id,
        contact_id,
        answered,
        text,
        q.payment,
        q.stamps,
        now,
        hold_stamps=True,
        draft_id=draft_id,
        depends_on=None,
    )


def buy_and_send(
    session: Session,
    policy: Policy,
    resident_id: str,
    product_id: str,
    contact_id: str,
    in_reply_to: int | None,
    text: str,
    now: datetime,
    *,
    draft_id: int | None = None,
) -> tuple[Message, OutboxItem]:
    """Queue a stamp purchase and a reply paid from it; the reply is pushed after the purchase.

    The reply's SPEND hold is created when the purchase is confirmed
    (:mod:`kiosk.replies`), so it is never counted against stamps not yet
    bought; if the purchase is refused the reply fails with the purchase's
    reason and its text comes back as a draft.
    """
    answered = check_sendable(session, policy, resident_id, contact_id, in_reply_to, text, now)
    product = policy.product(product_id)
    if product is None:
        raise Refusal("unknown_product", product_id=product_id)
    cost = policy.stamps_per_message
    if product.stamps < cost:
        raise Refusal("product_too_small", needed=cost, stamps=product.stamps)
    _, purchase_item = stamps.purchase(session, policy, resident_id, product_id, now)
    return _queue(
        session,
        resident_id,
        contact_id,
        answered,
        text,
        Payment.STAMPS,
        cost,
        now,
        hold_stamps=False,
        draft_id=draft_id,
        depends_on=purchase_item.id,
    )
