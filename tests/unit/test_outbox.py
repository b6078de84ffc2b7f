"""The outbox: idempotency keys, order, dependencies and outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk import outbox
from kiosk.store.database import Store
from kiosk.store.models import OutboxState

from .conftest import START


def test_items_get_distinct_keys_and_rising_sequence(store: Store) -> None:
    with store.write() as db:
        items = [outbox.enqueue(db, "mark_read", {"n": i}, START) for i in range(3)]
    assert [i.id for i in items] == sorted(i.id for i in items)
    assert len({i.idempotency_key for i in items}) == 3
    assert all(len(i.idempotency_key) == 32 for i in items)


def test_unknown_kind_is_refused_by_name(store: Store) -> None:
    with store.write() as db, pytest.raises(ValueError, match="teleport"):
        outbox.enqueue(db, "teleport", {}, START)


def test_dependent_waits_for_its_dependency(store: Store) -> None:
    with store.write() as db:
        first = outbox.enqueue(db, "purchase_stamps", {}, START)
        second = outbox.enqueue(db, "send_message", {}, START, depends_on=first.id)
        other = outbox.enqueue(db, "mark_read", {}, START)
        first_id, second_id, other_id = first.id, second.id, other.id
    with store.write() as db:
        outbox.mark_sent(db, [first_id], "timeout", START + timedelta(seconds=30))
    with store.read() as db:
        assert [i.id for i in outbox.due_items(db, START)] == [other_id]
        later = START + timedelta(seconds=31)
        assert [i.id for i in outbox.due_items(db, later)] == [first_id, second_id, other_id]


def test_retry_counts_attempts_and_keeps_the_key(store: Store) -> None:
    with store.write() as db:
        item = outbox.enqueue(db, "mark_read", {}, START)
        key, item_id = item.idempotency_key, item.id
    with store.write() as db:
        outbox.mark_sent(db, [item_id], "503", START + timedelta(seconds=5))
        outbox.mark_sent(db, [item_id], "503", START + timedelta(seconds=15))
    with store.read() as db:
        (again,) = outbox.due_items(db, START + timedelta(seconds=20))
        assert (again.attempts, again.idempotency_key, again.state) == (
            2,
            key,
            OutboxState.PENDING,
        )


def test_sendable_stops_at_an_item_still_backing_off(store: Store) -> None:
    with store.write() as db:
        ids = [outbox.enqueue(db, "mark_read", {"n": i}, START).id for i in range(3)]
    with store.write() as db:
        outbox.mark_sent(db, [ids[1]], "timeout", START + timedelta(seconds=30))
    with store.read() as db:
        assert [i.seq for i in outbox.sendable(db, START)] == [ids[0]]
        # An item the server has already answered is no gap.
        assert [i.seq for i in outbox.sendable(db, START, exclude={ids[0], ids[1]})] == [ids[2]]
        assert outbox.next_attempt_at(db) == START
    with store.write() as db:
        assert outbox.make_due(db, START) == 1
    with store.read() as db:
        sent = outbox.sendable(db, START)
    assert [(i.seq, i.attempts) for i in sent] == [(ids[0], 0), (ids[1], 1), (ids[2], 0)]


def test_counts_and_last_error_describe_the_queue_for_it(store: Store) -> None:
    with store.write() as db:
        ids = [outbox.enqueue(db, "mark_read", {"n": i}, START).id for i in range(3)]
    with store.write() as db:
        outbox.note_error(db, ids[:2], "server_unreachable")
        (first,) = [i for i in outbox.due_items(db, START) if i.id == ids[0]]
        outbox.mark_failed(db, first, "contact_blocked", START)
    with store.read() as db:
        assert outbox.state_counts(db) == {"pending": 2, "failed": 1}
        assert outbox.waiting_and_refused(db) == (2, 1)
        assert outbox.last_error(db) == "server_unreachable"  # the newest item's
        assert outbox.is_pending(db, ids[1]) and not outbox.is_pending(db, ids[0])
        assert not outbox.is_pending(db, 10_000)
