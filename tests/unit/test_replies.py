"""A reply's life after it is queued: forwards-only statuses, refunds, drafts, push answers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk import replies
from kiosk.errors import Refusal
from kiosk.store.models import (
    Hold,
    HoldState,
    LedgerEntry,
    Message,
    OutboundStatus,
    OutboxItem,
    OutboxState,
    Payment,
)
from kiosk.views import SentReply

from .conftest import World


def _status(world: World, sent: SentReply, status: str, reason: str | None = None) -> int:
    with world.store.read() as db:
        client_id = db.get(Message, sent.message.message_id).client_id  # type: ignore[union-attr]
    return world.feed(
        (
            "message_status",
            {
                "message_id": "srv-1",
                "client_id": client_id,
                "resident_id": "r1",
                "status": status,
                "reason": reason,
                "at": world.clock().isoformat(),
            },
        )
    )


def _accept_reply(world: World, sent: SentReply, spent: int = 1) -> dict[str, Any]:
    with world.store.read() as db:
        item = db.get(OutboxItem, sent.outbox_item_id)
        assert item is not None
        client_id = item.payload["client_id"]
    ledger = [world.entry(-spent, "spend", reference=client_id)] if spent else []
    result = {"message_id": "srv-1", "status": "sent", "ledger": ledger}
    replies.apply_push_result(
        world.store, sent.outbox_item_id, "accepted", None, None, result, world.clock()
    )
    return result


def test_accepted_reply_is_sent_and_its_hold_posted_with_the_server_entry(world: World) -> None:
    world.ledger(2)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "Hello")
    result = _accept_reply(world, sent)
    # The same answer again (a retried push answered 'duplicate'), and the entry via the feed.
    replies.apply_push_result(
        world.store, sent.outbox_item_id, "duplicate", None, None, result, world.clock()
    )
    world.feed(("ledger_entry", result["ledger"][0]))
    message = core.message(sent.message.message_id)
    assert message.status == OutboundStatus.SENT
    balances = core.balances()
    assert (balances.confirmed, balances.held, balances.spendable) == (1, 0, 1)
    with world.store.read() as db:
        assert db.scalars(select(Hold)).one().state == HoldState.POSTED
        assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 2


def test_statuses_never_go_backwards(world: World) -> None:
    world.ledger(1)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "Hello")
    _accept_reply(world, sent)
    assert _status(world, sent, "delivered") == 1
    assert _status(world, sent, "sent") == 0
    assert _status(world, sent, "pending_review") == 0
    message = core.message(sent.message.message_id)
    assert message.status == OutboundStatus.DELIVERED
    assert [s.status for s in message.timeline] == [
        OutboundStatus.QUEUED,
        OutboundStatus.SENT,
        OutboundStatus.DELIVERED,
    ]


def test_a_server_status_before_the_push_answer_still_shows_the_sent_step(
    world: World,
) -> None:
    # A reconcile snapshot (or the feed) can overtake the push answer, or the answer
    # can be lost after the server committed: the server's status proves it was sent.
    world.ledger(1)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "Hello")
    assert _status(world, sent, "pending_review") == 1
    _accept_reply(world, sent)
    message = core.message(sent.message.message_id)
    assert message.status == OutboundStatus.PENDING_REVIEW
    assert [s.status for s in message.timeline] == [
        OutboundStatus.QUEUED,
        OutboundStatus.SENT,
        OutboundStatus.PENDING_REVIEW,
    ]


def test_cod_reply_goes_from_awaiting_payment_to_opened(world: World) -> None:
    world.policy(cod_allowed=True)
    world.contact(accepts_cod=True)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "Collect call, in writing")
    assert sent.message.payment == Payment.COD
    _accept_reply(world, sent, spent=0)
    _status(world, sent, "awaiting_payment")
    _status(world, sent, "opened")
    assert core.message(sent.message.message_id).status == OutboundStatus.OPENED


def test_reply_refused_at_push_returns_stamp_and_text(world: World) -> None:
    world.ledger(1)
    core = world.signed_in()
    draft = core.save_draft("c1", None, "Hello")
    sent = core.send_reply("c1", None, "Hello", draft_id=draft.draft_id)
    assert core.balances().spendable == 0
    replies.apply_push_result(
        world.store,
        sent.outbox_item_id,
        "rejected",
        "contact_not_approved",
        {},
        None,
        world.clock(),
    )
    message = core.message(sent.message.message_id)
    assert (message.status, message.status_reason) == (
        OutboundStatus.REJECTED,
        "contact_not_approved",
    )
    assert core.balances().spendable == 1
    assert [(d.body, d.origin) for d in core.drafts()] == [("Hello", "rejected")]
    with world.store.read() as db:
        item = db.get(OutboxItem, sent.outbox_item_id)
        assert item is not None and item.state == OutboxState.FAILED


def test_reply_refused_at_push_frees_the_return_stamp(world: World) -> None:
    server_id = world.inbound(return_stamp=True)
    core = world.signed_in()
    answered = core.inbox_page().messages[0].message_id
    sent = core.send_reply("c1", answered, "Thanks")
    replies.apply_push_result(
        world.store, sent.outbox_item_id, "rejected", "too_long", {}, None, world.clock()
    )
    assert core.quote("c1", answered, "Thanks").payment == Payment.RETURN_STAMP
    assert server_id


def test_review_rejection_returns_text_and_refund_is_the_servers_entry(world: World) -> None:
    world.ledger(1)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "Something review dislikes")
    result = _accept_reply(world, sent)
    assert core.balances().confirmed == 0
    _status(world, sent, "rejected", "contains_contact_info")
    _status(world, sent, "rejected", "contains_contact_info")
    assert core.balances().confirmed == 0  # no refund until the server books one
    world.ledger(1, "refund", reference=result["ledger"][0]["reference"])
    assert core.balances().spendable == 1
    message = core.message(sent.message.message_id)
    assert (message.status, message.status_reason) == (
        OutboundStatus.REJECTED,
        "contains_contact_info",
    )
    assert [(d.body, d.origin) for d in core.drafts()] == [
        ("Something review dislikes", "rejected")
    ]


def test_refused_purchase_fails_the_reply_bought_with_it(world: World) -> None:
    core = world.signed_in()
    sent = core.buy_and_send("single", "c1", None, "Paid by a new stamp")
    with world.store.read() as db:
        reply = db.get(OutboxItem, sent.outbox_item_id)
        assert reply is not None and reply.depends_on is not None
        purchase_id = reply.depends_on
    replies.apply_push_result(
        world.store, purchase_id, "rejected", "insufficient_funds", {}, None, world.clock()
    )
    message = core.message(sent.message.message_id)
    assert (message.status, message.status_reason) == (
        OutboundStatus.REJECTED,
        "insufficient_funds",
    )
    assert [d.body for d in core.drafts()] == ["Paid by a new stamp"]
    balances = core.balances()
    assert (balances.pending_purchases, balances.held, balances.spendable) == (0, 0, 0)


def test_confirmed_purchase_funds_the_reply_bought_with_it(world: World) -> None:
    core = world.signed_in()
    sent = core.buy_and_send("book10", "c1", None, "Paid by a new book")
    with world.store.read() as db:
        reply = db.get(OutboxItem, sent.outbox_item_id)
        assert reply is not None and reply.depends_on is not None
        purchase = db.get(OutboxItem, reply.depends_on)
        assert purchase is not None
        purchase_id, client_id = purchase.id, purchase.payload["client_id"]
    replies.apply_push_result(
        world.store,
        purchase_id,
        "accepted",
        None,
        None,
        {"ledger": [world.entry(10, "purchase", cents=-450, reference=client_id)]},
        world.clock(),
    )
    balances = core.balances()
    assert (balances.confirmed, balances.held, balances.spendable) == (10, 1, 9)
    _accept_reply(world, sent)
    balances = core.balances()
    assert (balances.confirmed, balances.held, balances.spendable) == (9, 0, 9)


def test_review_rejection_keeps_return_stamp_spent_when_policy_does_not_refund(
    world: World,
) -> None:
    world.policy(refund_on_reject=False)
    world.inbound(return_stamp=True)
    core = world.signed_in()
    answered = core.inbox_page().messages[0].message_id
    sent = core.send_reply("c1", answered, "Thanks")
    _accept_reply(world, sent, spent=0)
    _status(world, sent, "rejected", "review")
    with pytest.raises(Refusal, match="insufficient_stamps"):
        core.quote("c1", answered, "Thanks again")
    assert [d.origin for d in core.drafts()] == ["rejected"]


def test_review_rejection_frees_return_stamp_when_policy_refunds(world: World) -> None:
    world.inbound(return_stamp=True)
    core = world.signed_in()
    answered = core.inbox_page().messages[0].message_id
    sent = core.send_reply("c1", answered, "Thanks")
    _accept_reply(world, sent, spent=0)
    _status(world, sent, "rejected", "review")
    assert core.quote("c1", answered, "Thanks again").payment == Payment.RETURN_STAMP


# -- a resident's own messages, written on other kiosks ---------------------------------


def _queued(db: Session) -> int:
    """Outbox items other than the audit trail (signing in audits)."""
    return int(
        db.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.kind != "audit"))
        or 0
    )


def _outbound_data(
    world: World,
    message_id: str = "srv-out-1",
    client_id: str = "0" * 32,
    status: str = "delivered",
    payment: str = "stamps",
    in_reply_to: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    written = world.clock()
    timeline = [{"status": "pending_review", "at": written.isoformat(), "reason": None}]
    if status != "pending_review":
        timeline.append({"status": status, "at": written.isoformat(), "reason": reason})
    return {
        "message_id": message_id,
        "client_id": client_id,
        "resident_id": "r1",
        "contact_id": "c1",
        "body": "Written on the other kiosk",
        "payment": payment,
        "stamps": 1 if payment == "stamps" else 0,
        "in_reply_to": in_reply_to,
        "written_at": written.isoformat(),
        "status": status,
        "reason": reason,
        "timeline": timeline,
        "hidden": False,
    }


def test_reply_written_on_another_kiosk_shows_with_its_status_and_timeline(world: World) -> None:
    assert world.feed(("outbound_message", _outbound_data(world))) == 1
    core = world.signed_in()
    [shown] = core.inbox_page().messages
    message = core.message(shown.message_id)
    assert (message.body, message.contact_id) == ("Written on the other kiosk", "c1")
    assert (message.status, message.payment, message.stamps_cost) == (
        OutboundStatus.DELIVERED,
        Payment.STAMPS,
        1,
    )
    assert [s.status for s in message.timeline] == [
        OutboundStatus.PENDING_REVIEW,
        OutboundStatus.DELIVERED,
    ]
    # Nothing to send back, nothing held, no draft: it was paid for where it was written.
    with world.store.read() as db:
        assert _queued(db) == 0
        assert db.scalar(select(func.count()).select_from(Hold)) == 0
    assert core.drafts() == ()
    # Its later steps apply, and the same change again changes nothing.
    assert world.feed(("outbound_message", _outbound_data(world))) == 0


def test_own_reply_coming_back_through_the_feed_is_not_duplicated(world: World) -> None:
    world.ledger(1)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "Hello")
    with world.store.read() as db:
        client_id = db.get(Message, sent.message.message_id).client_id  # type: ignore[union-attr]
    assert client_id is not None
    # The push answer was lost; the feed brings the message first, then the answer arrives.
    data = _outbound_data(world, "srv-1", client_id=client_id, status="pending_review")
    assert world.feed(("outbound_message", data)) == 1
    _accept_reply(world, sent)
    with world.store.read() as db:
        assert db.scalar(select(func.count()).select_from(Message)) == 1
        held = db.get(Message, sent.message.message_id)
        assert held is not None and held.server_id == "srv-1"
        assert held.body == "Hello"  # the terminal's own row, not a copy
    assert core.message(sent.message.message_id).status == OutboundStatus.PENDING_REVIEW


def test_reply_with_a_return_stamp_written_elsewhere_spends_that_stamp_here(world: World) -> None:
    server_id = world.inbound(return_stamp=True)
    data = _outbound_data(world, payment="return_stamp", in_reply_to=server_id)
    world.feed(("outbound_message", data))
    core = world.signed_in()
    inbound = next(m for m in core.inbox_page().messages if m.direction == "inbound")
    assert core.message(inbound.message_id).return_stamp_used is True
    outbound = next(m for m in core.inbox_page().messages if m.direction == "outbound")
    assert core.message(outbound.message_id).in_reply_to == inbound.message_id
