"""Change notices: each core write says which kinds of data it changed; outbox commits wake."""

from __future__ import annotations

import pytest

from kiosk import changes
from kiosk.changes import Changes
from kiosk.errors import Refusal
from kiosk.outbox import enqueue
from kiosk.store.database import Store
from kiosk.views import DraftInput

from .conftest import World


def test_each_core_write_reports_the_kinds_it_changed(world: World) -> None:
    world.ledger(3)
    world.inbound()
    core = world.signed_in()
    message_id = core.inbox_page().messages[0].message_id
    writes = [
        (lambda: core.mark_read(message_id), Changes.MESSAGES),
        (lambda: core.mark_read_many([message_id]), Changes.MESSAGES),
        (lambda: core.save_draft("c1", None, "later"), Changes.MESSAGES),
        (lambda: core.send_reply("c1", None, "Hi"), Changes.MESSAGES | Changes.STAMPS),
        (lambda: core.buy_stamps("single"), Changes.STAMPS),
        (lambda: core.block_contact("c1"), Changes.CONTACTS),
        (lambda: core.unblock_contact("c1"), Changes.CONTACTS),
        (lambda: core.hide_message(message_id), Changes.MESSAGES),
    ]
    for write, expected in writes:
        with changes.collect() as seen:
            write()
        assert seen.changes == expected


def test_reads_and_refused_writes_report_nothing(world: World) -> None:
    core = world.signed_in()
    with changes.collect() as seen:
        core.balances()
        core.conversations()
        with pytest.raises(Refusal):
            core.buy_stamps("no-such-product")
    assert seen.changes == Changes.NONE
    assert not seen.changes.any


def test_unfinished_text_kept_at_session_end_is_a_messages_change(world: World) -> None:
    core = world.signed_in()
    with changes.collect() as seen:
        core.end_session("sign_out", [DraftInput("c1", "half a sentence")])
    assert seen.changes == Changes.MESSAGES


def test_a_block_inside_another_hands_its_changes_outwards() -> None:
    with changes.collect() as outer:
        changes.report(Changes.POLICY)
        with changes.collect() as inner:
            changes.report(Changes.STAMPS)
        assert inner.changes == Changes.STAMPS
    assert outer.changes == Changes.POLICY | Changes.STAMPS
    changes.report(Changes.DEVICE)  # outside any block: nobody listens, nothing breaks


def test_feed_kinds_and_push_answers_map_to_what_they_touch() -> None:
    assert changes.of_feed(["message", "message_read"]) == Changes.MESSAGES
    assert changes.of_feed(["ledger_entry", "debit_balance"]) == Changes.STAMPS
    assert changes.of_feed(["policy"]) == Changes.POLICY
    assert changes.of_feed(["device_command"]) == Changes.ALL
    assert changes.of_feed([]) == Changes.NONE
    assert changes.of_pushed("purchase_stamps", "accepted") & Changes.STAMPS
    assert changes.of_pushed("send_message", "rejected") & Changes.MESSAGES
    assert changes.of_pushed("mark_read", "accepted") == Changes.NONE
    assert changes.of_pushed("set_contact_blocked", "rejected") == Changes.CONTACTS
    assert changes.of_pushed("audit", "accepted") == Changes.NONE


def test_a_commit_that_adds_an_outbox_row_wakes_the_outbox_listeners(
    world: World, store: Store
) -> None:
    woken: list[str] = []
    store.add_outbox_listener(lambda: woken.append("woken"))
    world.inbound()
    assert woken == []  # a feed page adds no outbox row
    core = world.signed_in()
    woken.clear()  # signing in is audited, and the audit record goes out too
    core.mark_read(core.inbox_page().messages[0].message_id)
    assert woken == ["woken"]


def test_a_rolled_back_outbox_row_wakes_nobody(world: World, store: Store) -> None:
    woken: list[str] = []
    store.add_outbox_listener(lambda: woken.append("woken"))
    with pytest.raises(RuntimeError), store.write() as session:
        enqueue(session, "audit", {}, world.clock())
        raise RuntimeError("the transaction fails after the row was added")
    assert woken == []
