"""Push survives broken answers: items stay queued with their attempt counted,
a refusal lands only on the item it concerns, and nothing is marked done on a
bad answer."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import feed, outbox
from kiosk.clock import utcnow
from kiosk.store.database import Store
from kiosk.store.models import OutboxItem, OutboxState, Resident
from sync import push
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.errors import InvalidResponse, ServerFailed, TransientError

from . import wire
from .stub_server import Reply, Seen, StubServer


def enqueue_reads(store: Store, n: int) -> list[int]:
    ids = []
    with store.write() as session:
        for i in range(n):
            item = outbox.enqueue(
                session,
                "mark_read",
                {"resident_id": "r1", "message_id": f"m{i}", "read_at": "2026-11-23T08:00:00Z"},
                utcnow(),
            )
            ids.append(item.id)
    return ids


def items(store: Store) -> dict[int, OutboxItem]:
    with store.read() as session:
        return {i.id: i for i in session.query(OutboxItem).all()}


def answer_all(outcome: str = "accepted", reason: str | None = None) -> Any:
    def reply(seen: Seen) -> Reply:
        sent = json.loads(seen.body)["items"]
        results = [
            {"idempotency_key": i["idempotency_key"], "outcome": outcome, "reason": reason}
            for i in sent
        ]
        return Reply(200, json.dumps({"results": results}).encode())

    return reply


FAST = Backoff(base_s=30.0, cap_s=60.0)


def test_accepted_items_are_done_in_order(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    ids = enqueue_reads(store, 3)
    stub.script(answer_all())
    report = push.push_due(store, stub_client, backoff=FAST)
    assert report.accepted == 3
    sent = json.loads(stub.seen[0].body)["items"]
    assert [i["seq"] for i in sent] == ids
    assert all(i.state == OutboxState.DONE and i.attempts == 1 for i in items(store).values())


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"results": []}',
        b'{"results": [{"idempotency_key": "' + b"0" * 32 + b'", "outcome": "accepted"}]}',
        b'{"results": [{"idempotency_key": "KEY", "outcome": "maybe"}]}',
        b'{"results": [{"idempotency_key": "KEY", "outcome": "rejected"}]}',
    ],
    ids=["garbage", "too_few", "wrong_key", "unknown_outcome", "rejected_without_reason"],
)
def test_bad_answer_leaves_item_queued_with_attempt_counted(
    store: Store, stub: StubServer, stub_client: SyncClient, body: bytes
) -> None:
    [item_id] = enqueue_reads(store, 1)
    key = items(store)[item_id].idempotency_key
    stub.script(Reply(200, body.replace(b"KEY", key.encode())))
    before = utcnow()
    with pytest.raises(InvalidResponse):
        push.push_due(store, stub_client, backoff=FAST)
    item = items(store)[item_id]
    assert item.state == OutboxState.PENDING
    assert item.attempts == 1
    assert item.next_attempt_at > before  # the backoff is stored on the item


def test_new_item_never_overtakes_an_earlier_one_backing_off(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    # The server refuses new work numbered below work it has (sequence_regressed):
    # overtaking would make the earlier item undeliverable for ever.
    [first] = enqueue_reads(store, 1)
    stub.script(Reply(500, b"oops", {}))
    with pytest.raises(ServerFailed):
        push.push_due(store, stub_client, backoff=FAST)
    [second] = enqueue_reads(store, 1)
    assert push.push_due(store, stub_client, backoff=FAST).sent == 0
    state = items(store)
    assert state[first].state == state[second].state == OutboxState.PENDING
    assert "500" in (state[first].last_error or "")
    push.due_now(store)  # the server answers again
    stub.script(answer_all())
    push.push_due(store, stub_client, backoff=FAST)
    sent = json.loads(stub.seen[-1].body)["items"]
    assert [i["seq"] for i in sent] == [first, second]


def test_rejected_item_does_not_hold_back_the_items_after_it(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    ids = enqueue_reads(store, 3)
    refused = items(store)[ids[0]].idempotency_key

    def reply(seen: Seen) -> Reply:
        results = [
            {"idempotency_key": i["idempotency_key"], "outcome": "accepted"}
            if i["idempotency_key"] != refused
            else {"idempotency_key": refused, "outcome": "rejected", "reason": "unknown_message"}
            for i in json.loads(seen.body)["items"]
        ]
        return Reply(200, json.dumps({"results": results}).encode())

    stub.script(reply)
    push.push_due(store, stub_client, backoff=FAST)
    state = items(store)
    assert state[ids[0]].state == OutboxState.FAILED
    assert state[ids[1]].state == state[ids[2]].state == OutboxState.DONE


def test_stored_backoff_survives_and_item_goes_when_due(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    [item_id] = enqueue_reads(store, 1)
    stub.script(Reply(503, b"", {}))
    with pytest.raises(ServerFailed):
        push.push_due(store, stub_client, backoff=FAST)
    assert push.push_due(store, stub_client, backoff=FAST).sent == 0  # not due yet
    later = items(store)[item_id].next_attempt_at + timedelta(seconds=1)
    stub.script(answer_all())
    report = push.push_due(store, stub_client, backoff=FAST, clock=lambda: later)
    assert report.accepted == 1
    assert items(store)[item_id].attempts == 2


def test_batch_refused_whole_is_retried_item_by_item(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    ids = enqueue_reads(store, 3)
    poisoned = items(store)[ids[1]].idempotency_key
    refusal = {"error": {"code": "invalid_request", "message": "bad item", "params": {}}}

    def reply(seen: Seen) -> Reply:
        sent = json.loads(seen.body)["items"]
        if any(i["idempotency_key"] == poisoned for i in sent):
            return Reply(400, json.dumps(refusal).encode())
        return answer_all()(seen)

    stub.default = reply
    push.push_due(store, stub_client, backoff=FAST)
    state = items(store)
    assert state[ids[0]].state == OutboxState.DONE
    assert state[ids[1]].state == OutboxState.FAILED
    assert state[ids[1]].last_error == "invalid_request"
    assert state[ids[2]].state == OutboxState.DONE


def test_malformed_local_item_fails_alone_and_is_never_sent(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    ids = enqueue_reads(store, 2)
    with store.write() as session:
        broken = session.get(OutboxItem, ids[0])
        assert broken is not None
        broken.payload = {"resident_id": "r1"}  # message_id and read_at missing
    stub.script(answer_all())
    push.push_due(store, stub_client, backoff=FAST)
    state = items(store)
    assert state[ids[0]].state == OutboxState.FAILED
    assert (state[ids[0]].last_error or "").startswith("invalid_payload")
    assert state[ids[1]].state == OutboxState.DONE
    assert len(json.loads(stub.seen[0].body)["items"]) == 1


def test_rejection_is_final_with_its_reason(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    [item_id] = enqueue_reads(store, 1)
    stub.script(answer_all("rejected", "unknown_message"))
    report = push.push_due(store, stub_client, backoff=FAST)
    assert report.rejected == 1
    item = items(store)[item_id]
    assert item.state == OutboxState.FAILED
    assert item.last_error == "unknown_message"
    assert push.push_due(store, stub_client, backoff=FAST).sent == 0


# -- generated breakage -------------------------------------------------------------

GOOD_PURCHASE_RESULT = {
    "ledger": [
        {
            "entry_id": "e-1",
            "resident_id": "r1",
            "kind": "purchase",
            "stamps": 10,
            "cents": -450,
            "memo": "",
            "reference": None,
            "booked_at": "2026-11-23T08:00:00Z",
        }
    ],
    "debit": {"resident_id": "r1", "cents": 550, "as_of": "2026-11-23T08:00:00Z"},
}

BROKEN_VALUES = st.sampled_from(
    [None, -1, 2**70, "", "x" * 300, 1.5, True, [], {}, "maybe", "r-unknown", "not a time"]
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def broken_answers(draw: st.DrawFn, keys: list[str]) -> bytes:
    doc: dict[str, Any] = {
        "results": [
            {"idempotency_key": keys[0], "outcome": "accepted", "result": None},
            {"idempotency_key": keys[1], "outcome": "accepted", "result": GOOD_PURCHASE_RESULT},
        ]
    }
    doc = json.loads(json.dumps(doc))
    how = draw(st.sampled_from(["replace", "swap", "drop", "truncate", "foreign_resident"]))
    if how == "swap":
        doc["results"].reverse()
    elif how == "drop":
        doc["results"].pop(draw(st.integers(0, 1)))
    elif how == "truncate":
        raw = json.dumps(doc).encode()
        return raw[: draw(st.integers(0, len(raw) - 1))]
    elif how == "foreign_resident":
        doc["results"][1]["result"]["ledger"][0]["resident_id"] = "r-elsewhere"
    else:
        path = draw(st.sampled_from(_paths(doc)))
        parent: Any = doc
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = draw(BROKEN_VALUES)
    return json.dumps(doc).encode()


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_broken_answer_never_settles_an_item_wrongly(
    store: Store, stub: StubServer, stub_client: SyncClient, data: st.DataObject
) -> None:
    with store.write() as session:
        session.query(OutboxItem).delete()
        if session.get(Resident, "r1") is None:
            feed.apply_change(session, "resident", wire.resident("r1"), utcnow())
        read = outbox.enqueue(
            session,
            "mark_read",
            {"resident_id": "r1", "message_id": "m1", "read_at": "2026-11-23T08:00:00Z"},
            utcnow(),
        )
        buy = outbox.enqueue(
            session,
            "purchase_stamps",
            {
                "client_id": outbox.new_key(),
                "resident_id": "r1",
                "product_id": "book-10",
                "quantity": 10,
                "price_cents": 450,
            },
            utcnow(),
        )
        keys = [read.idempotency_key, buy.idempotency_key]
    stub.replies.clear()
    stub.script(Reply(200, data.draw(broken_answers(keys))))
    try:
        report = push.push_due(store, stub_client, backoff=FAST)
    except TransientError:
        assert all(i.state == OutboxState.PENDING for i in items(store).values())
        return
    # Still a valid answer: each item settled exactly as the answer says.
    assert report.sent == 2
    assert all(i.state != OutboxState.PENDING for i in items(store).values())


def test_valid_purchase_answer_books_its_ledger_entry_and_settles_the_item(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    from kiosk.store.models import LedgerEntry

    with store.write() as session:
        feed.apply_change(session, "resident", wire.resident("r1"), utcnow())
        buy = outbox.enqueue(
            session,
            "purchase_stamps",
            {
                "client_id": outbox.new_key(),
                "resident_id": "r1",
                "product_id": "book-10",
                "quantity": 10,
                "price_cents": 450,
            },
            utcnow(),
        )
        key = buy.idempotency_key
    answer = {
        "results": [{"idempotency_key": key, "outcome": "accepted", "result": GOOD_PURCHASE_RESULT}]
    }
    stub.script(Reply(200, json.dumps(answer).encode()))
    assert push.push_due(store, stub_client, backoff=FAST).accepted == 1
    with store.read() as session:
        entries = session.query(LedgerEntry).all()
    assert [(e.server_id, e.stamps) for e in entries] == [("e-1", 10)]
    assert items(store)[buy.id].state == OutboxState.DONE
