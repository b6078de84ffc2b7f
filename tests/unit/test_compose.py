"""Writing replies: what pays for them, in the design's order, and what stops them."""

from __future__ import annotations

import pytest

from kiosk import outbox
from kiosk.errors import Refusal
from kiosk.store.models import Hold, HoldState, Message, OutboxItem, Payment

from .conftest import World


def _message(world: World, server_id: str) -> int:
    with world.store.read() as db:
        from sqlalchemy import select

        return int(db.scalars(select(Message.id).where(Message.server_id == server_id)).one())


def test_reply_to_message_with_return_stamp_is_free_once(world: World) -> None:
    world.ledger(2)
    mid = _message(world, world.inbound(return_stamp=True))
    core = world.signed_in()
    assert core.quote("c1", mid, "Thanks!").payment == Payment.RETURN_STAMP
    core.send_reply("c1", mid, "Thanks!", expected_payment=Payment.RETURN_STAMP)
    again = core.quote("c1", mid, "One more thing")
    assert again.payment == Payment.STAMPS
    assert again.stamps == 1
    assert core.balances().spendable == 2


def test_reply_uses_own_stamps_when_no_return_stamp(world: World) -> None:
    world.ledger(3)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "Hello there")
    assert sent.message.payment == Payment.STAMPS
    balances = core.balances()
    assert (balances.confirmed, balances.held, balances.spendable) == (3, 1, 2)


def test_reply_falls_back_to_cod_when_allowed_and_accepted(world: World) -> None:
    world.policy(cod_allowed=True)
    world.contact(accepts_cod=True)
    core = world.signed_in()
    quote = core.quote("c1", None, "Please call")
    assert (quote.payment, quote.stamps) == (Payment.COD, 0)


def test_reply_without_any_payment_is_refused_with_what_is_missing(world: World) -> None:
    world.policy(cod_allowed=True)  # the contact does not accept COD
    core = world.signed_in()
    with pytest.raises(Refusal) as refused:
        core.quote("c1", None, "Hello")
    assert refused.value.code == "insufficient_stamps"
    assert refused.value.params == {"needed": 1, "have": 0}


def test_too_long_reply_is_refused_with_length_and_limit(world: World) -> None:
    world.policy(max_message_chars=10)
    world.ledger(1)
    core = world.signed_in()
    with pytest.raises(Refusal) as refused:
        core.quote("c1", None, "x" * 11)
    assert refused.value.code == "too_long"
    assert refused.value.params == {"chars": 11, "max_chars": 10}


@pytest.mark.parametrize(
    ("state", "code"),
    [
        ("pending", "contact_not_approved"),
        ("blocked", "contact_blocked"),
        ("suspended", "contact_suspended"),
    ],
)
def test_reply_to_contact_not_approved_is_refused(world: World, state: str, code: str) -> None:
    world.ledger(1)
    world.contact(state=state)
    core = world.signed_in()
    with pytest.raises(Refusal) as refused:
        core.quote("c1", None, "Hello")
    assert refused.value.code == code


def test_restricted_resident_can_read_but_not_send(world: World) -> None:
    until = world.clock().replace(hour=23)
    world.resident(restricted_until=until.isoformat(), restriction_reason="disciplinary")
    world.ledger(1)
    world.inbound()
    core = world.signed_in()
    assert len(core.inbox_page().messages) == 1
    with pytest.raises(Refusal) as refused:
        core.send_reply("c1", None, "Hello")
    assert refused.value.code == "restricted"
    assert refused.value.params == {"until": until, "reason": "disciplinary"}


def test_suspended_messaging_refuses_replies_with_reason(world: World) -> None:
    world.ledger(1)
    world.policy(messaging_suspended=True, suspended_reason="facility lockdown")
    core = world.signed_in()
    with pytest.raises(Refusal) as refused:
        core.quote("c1", None, "Hello")
    assert refused.value.code == "messaging_suspended"
    assert refused.value.params == {"reason": "facility lockdown"}


def test_send_writes_message_hold_outbox_and_drops_draft_together(world: World) -> None:
    world.ledger(1)
    core = world.signed_in()
    draft = core.save_draft("c1", None, "Hello sis")
    sent = core.send_reply("c1", None, "Hello sis", draft_id=draft.draft_id)
    assert core.drafts() == ()
    assert [step.status.value for step in sent.message.timeline] == ["queued"]
    with world.store.read() as db:
        item = db.get(OutboxItem, sent.outbox_item_id)
        assert item is not None
        assert item.kind == "send_message"
        assert item.payload["body"] == "Hello sis"
        assert len(item.idempotency_key) == 32
        hold = db.query(Hold).one()
        assert (hold.state, hold.stamps, hold.message_id) == (
            HoldState.PENDING,
            1,
            sent.message.message_id,
        )


def test_send_refuses_when_payment_changed_since_quote(world: World) -> None:
    world.ledger(1)
    core = world.signed_in()
    core.send_reply("c1", None, "First")
    world.policy(cod_allowed=True)
    world.contact(accepts_cod=True)
    with pytest.raises(Refusal) as refused:
        core.send_reply("c1", None, "Second", expected_payment=Payment.STAMPS)
    assert refused.value.code == "payment_changed"
    assert refused.value.params["payment"] == "cod"


def test_failed_send_leaves_no_trace(world: World) -> None:
    core = world.signed_in()
    draft = core.save_draft("c1", None, "Keep me")
    with pytest.raises(Refusal):
        core.send_reply("c1", None, "Keep me", draft_id=draft.draft_id)
    assert [d.body for d in core.drafts()] == ["Keep me"]
    with world.store.read() as db:
        assert outbox.pending_count(db) == sum(
            1 for i in db.query(OutboxItem).all() if i.kind == "audit"
        )
        assert db.query(Message).filter(Message.client_id.is_not(None)).count() == 0


def test_buy_and_send_queues_reply_after_its_purchase(world: World) -> None:
    world.debit(1000)
    core = world.signed_in()
    sent = core.buy_and_send("book10", "c1", None, "Bought stamps to write you")
    with world.store.read() as db:
        reply = db.get(OutboxItem, sent.outbox_item_id)
        assert reply is not None and reply.depends_on is not None
        purchase = db.get(OutboxItem, reply.depends_on)
        assert purchase is not None and purchase.kind == "purchase_stamps"
        due = [i.id for i in outbox.due_items(db, world.clock())]
    assert due.index(purchase.id) < due.index(reply.id)
    balances = core.balances()
    assert (balances.spendable, balances.pending_purchases) == (0, 10)
