"""A server that holds a higher seq than the terminal knows (``sequence_regressed``):
the unsent items are renumbered past its mark under the same keys and sent again;
only a mark that cannot be used, or refusals that go on, fail them (never silently)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from kiosk import outbox
from kiosk.clock import utcnow
from kiosk.store.database import Store
from kiosk.store.models import OutboxItem, OutboxState
from kiosk.wipe import wipe_resident_data
from sync import push
from sync.client import SyncClient

from .stub_server import Reply, StubServer
from .test_hostile_push import FAST, answer_all, enqueue_reads, items


def regressed(last_seq: Any) -> Reply:
    params = {"seq": 1} if last_seq is ... else {"seq": 1, "last_seq": last_seq}
    body = {"error": {"code": "sequence_regressed", "message": "behind", "params": params}}
    return Reply(409, json.dumps(body).encode())


def sent_items(stub: StubServer) -> list[list[tuple[int, str]]]:
    return [
        [(i["seq"], i["idempotency_key"]) for i in json.loads(seen.body)["items"]]
        for seen in stub.seen
        if seen.path == "/v1/push"
    ]


def test_items_are_renumbered_past_the_servers_mark_and_accepted(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    ids = enqueue_reads(store, 3)
    with store.write() as session:
        dependent = outbox.enqueue(
            session,
            "hide_message",
            {"resident_id": "r1", "message_id": "m0"},
            utcnow(),
            depends_on=ids[1],
        ).id
    keys = [items(store)[i].idempotency_key for i in [*ids, dependent]]
    stub.script(regressed(50))
    stub.default = answer_all()

    report = push.push_due(store, stub_client, backoff=FAST)

    assert report.rejected == 0
    first, again = sent_items(stub)
    assert [seq for seq, _ in first] == [*ids, dependent]
    assert [key for _, key in again] == keys  # the same items, the same keys, in order
    assert [seq for seq, _ in again] == [51, 52, 53, 54]
    held = items(store)
    assert set(held) == {51, 52, 53, 54}
    assert {item.state for item in held.values()} == {OutboxState.DONE}
    assert held[54].depends_on == 52  # the dependency moved with its item
    with store.read() as session:
        report_ = outbox.sequence_report(session)
    assert (report_.last_seq, report_.server_mark, report_.jumps) == (54, 50, 1)
    # The next item goes on from there.
    assert enqueue_reads(store, 1) == [55]


def test_items_already_settled_keep_their_numbers(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    [done] = enqueue_reads(store, 1)
    stub.script(answer_all())
    push.push_due(store, stub_client, backoff=FAST)
    pending = enqueue_reads(store, 2)
    stub.script(regressed(10), answer_all())
    push.push_due(store, stub_client, backoff=FAST)
    held = items(store)
    assert held[done].state == OutboxState.DONE
    assert sorted(held) == [done, 11, 12] and pending == [2, 3]
    assert {item.state for item in held.values()} == {OutboxState.DONE}


@pytest.mark.parametrize("mark", [..., None, True, "7", -1, 2**62])
def test_a_mark_that_cannot_be_used_fails_the_items_visibly(
    store: Store, stub: StubServer, stub_client: SyncClient, mark: Any
) -> None:
    ids = enqueue_reads(store, 2)
    stub.default = lambda seen: regressed(mark)
    report = push.push_due(store, stub_client, backoff=FAST)
    held = items(store)
    assert sorted(held) == ids  # nothing renumbered
    assert {item.state for item in held.values()} == {OutboxState.FAILED}
    assert {item.last_error for item in held.values()} == {"sequence_regressed"}
    assert report.rejected == 2


def test_a_server_that_keeps_refusing_gets_a_bounded_number_of_jumps(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    enqueue_reads(store, 2)
    marks = iter(range(100, 10_000, 100))
    stub.default = lambda seen: regressed(next(marks))
    report = push.push_due(store, stub_client, backoff=FAST)
    with store.read() as session:
        states = set(session.scalars(select(OutboxItem.state)))
        jumps = outbox.sequence_report(session).jumps
    assert states == {OutboxState.FAILED}
    assert jumps == push.MAX_JUMPS
    assert report.rejected == 2
    assert len(sent_items(stub)) <= push.MAX_JUMPS + 4  # bounded: no loop


def test_a_wipe_does_not_set_the_sequence_back(store: Store) -> None:
    before = enqueue_reads(store, 3)
    with store.write() as session:
        wipe_resident_data(session, "wipe", utcnow())
    after = enqueue_reads(store, 1)
    assert after[0] > max(before) + 1  # past the wipe's own audit event too
