"""Stamps: buying, balances (confirmed, held, spendable, pending), receipts, debit balance."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk import replies, stamps
from kiosk.errors import Refusal
from kiosk.store.models import Hold, HoldKind, HoldState, LedgerKind, Message, OutboxItem

from .conftest import World


def test_purchase_is_pending_and_not_spendable_until_confirmed(world: World) -> None:
    world.debit(1000)
    core = world.signed_in()
    bought = core.buy_stamps("book10")
    balances = core.balances()
    assert (balances.confirmed, balances.spendable, balances.pending_purchases) == (0, 0, 10)
    assert balances.pending_purchase_cents == 450
    with world.store.read() as db:
        item = db.get(OutboxItem, bought.outbox_item_id)
        assert item is not None and item.payload == {
            "client_id": bought.client_id,
            "resident_id": "r1",
            "product_id": "book10",
            "quantity": 10,
            "price_cents": 450,
        }
    entry = world.entry(10, "purchase", cents=-450, reference=bought.client_id)
    debit = {"resident_id": "r1", "cents": 550, "as_of": world.clock().isoformat()}
    replies.apply_push_result(
        world.store,
        bought.outbox_item_id,
        "accepted",
        None,
        None,
        {"ledger": [entry], "debit": debit},
        world.clock(),
    )
    balances = core.balances()
    assert (balances.confirmed, balances.spendable, balances.pending_purchases) == (10, 10, 0)
    assert (balances.debit_cents, balances.debit_as_of) == (550, world.clock())


def test_refused_purchase_voids_its_hold_with_the_reason(world: World) -> None:
    core = world.signed_in()
    bought = core.buy_stamps("single")
    replies.apply_push_result(
        world.store,
        bought.outbox_item_id,
        "rejected",
        "insufficient_funds",
        {},
        None,
        world.clock(),
    )
    assert core.balances().pending_purchases == 0
    with world.store.read() as db:
        hold = db.scalars(select(Hold)).one()
    assert (hold.state, hold.reason) == (HoldState.VOIDED, "insufficient_funds")


def test_purchase_beyond_known_debit_balance_is_refused(world: World) -> None:
    world.debit(600)
    core = world.signed_in()
    core.buy_stamps("book10")  # 450 of 600
    with pytest.raises(Refusal) as refused:
        core.buy_stamps("book10")
    assert (refused.value.code, refused.value.params) == (
        "insufficient_funds",
        {"needed": 450, "have": 150},
    )


def test_unknown_product_is_refused(world: World) -> None:
    core = world.signed_in()
    with pytest.raises(Refusal, match="unknown_product"):
        core.buy_stamps("gold")


def test_receipts_list_every_entry_and_pending_holds(world: World) -> None:
    world.ledger(5, "transfer_in")
    world.clock.advance(60)
    core = world.signed_in()
    core.send_reply("c1", None, "Hi")
    receipts = core.receipts()
    assert [(r.kind, r.stamps, r.pending) for r in receipts] == [
        (HoldKind.SPEND, -1, True),
        (LedgerKind.TRANSFER_IN, 5, False),
    ]


def test_ledger_entry_arriving_twice_counts_once(world: World) -> None:
    entry = world.entry(3, "transfer_in", entry_id="e-dup")
    world.feed(("ledger_entry", entry))
    world.feed(("ledger_entry", entry))
    assert world.signed_in().balances().confirmed == 3


def test_older_debit_snapshot_never_replaces_a_newer_one(world: World) -> None:
    world.debit(900)
    world.feed(
        (
            "debit_balance",
            {"resident_id": "r1", "cents": 100, "as_of": "2020-01-01T00:00:00+00:00"},
        )
    )
    assert world.signed_in().balances().debit_cents == 900


def test_refused_purchase_stays_in_receipts_with_its_reason(world: World) -> None:
    core = world.signed_in()
    bought = core.buy_stamps("book10")
    replies.apply_push_result(
        world.store,
        bought.outbox_item_id,
        "rejected",
        "insufficient_funds",
        {},
        None,
        world.clock(),
    )
    [refused] = core.receipts()
    assert (refused.kind, refused.stamps, refused.pending) == (HoldKind.PURCHASE, 10, False)
    assert (refused.hold_state, refused.reason) == (HoldState.VOIDED, "insufficient_funds")
    assert refused.reference == bought.client_id
    assert core.waiting_to_send().purchases == 0


def test_waiting_to_send_counts_queued_replies_and_purchases_not_reads(world: World) -> None:
    world.ledger(5)
    world.inbound()
    core = world.signed_in()
    core.mark_read(core.inbox_page().messages[0].message_id)
    first = core.send_reply("c1", None, "One")
    core.send_reply("c1", None, "Two")
    core.buy_stamps("single")
    waiting = core.waiting_to_send()
    assert (waiting.replies, waiting.purchases) == (2, 1)
    replies.apply_push_result(
        world.store,
        first.outbox_item_id,
        "accepted",
        None,
        None,
        {"message_id": "srv-1", "status": "pending_review", "ledger": []},
        world.clock(),
    )
    assert core.waiting_to_send().replies == 1


def test_a_reply_hold_counts_against_spendable_stamps_until_posted(world: World) -> None:
    world.ledger(3)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "Hello")
    with world.store.write() as db:
        hold = stamps.hold_for_reply(db, "r1", "f" * 32, sent.message.message_id, 2, world.clock())
        assert (hold.kind, hold.state, hold.stamps, hold.cents) == (
            HoldKind.SPEND,
            HoldState.PENDING,
            2,
            0,
        )
        assert stamps.spendable(db, "r1") == 0  # 3 confirmed, 1 held by the reply, 2 here
    with world.store.read() as db:
        holds = db.scalars(select(Hold).order_by(Hold.id)).all()
        assert [(h.kind, h.stamps, h.message_id) for h in holds] == [
            (HoldKind.SPEND, 1, sent.message.message_id),
            (HoldKind.SPEND, 2, sent.message.message_id),
        ]


def test_voiding_a_reply_hold_gives_its_stamps_back_once(world: World) -> None:
    world.ledger(1)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "Hello")
    assert core.balances().spendable == 0
    with world.store.write() as db:
        message = db.get(Message, sent.message.message_id)
        assert message is not None and message.client_id is not None
        assert stamps.void_hold(db, message.client_id, world.clock(), "refused") is True
        assert stamps.void_hold(db, message.client_id, world.clock(), "refused") is False
        assert stamps.void_hold(db, "0" * 32, world.clock(), "refused") is False
    assert core.balances().spendable == 1
    with world.store.read() as db:
        hold = db.scalars(select(Hold)).one()
    assert (hold.state, hold.reason) == (HoldState.VOIDED, "refused")
