"""A server bug on one item never holds the queue behind it.

The terminal talks to the real server through a scripted stub that answers 500 to
every push request carrying one chosen item (before or after letting the server
store it). After :data:`sync.push.FATE_AFTER` such answers to the item alone, the
terminal asks its fate: an item the server stored is settled from the stored
answer; one it never stored is set aside with ``server_error_repeated`` (the
resident sees the refusal, the hold is released) and the items behind it go.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from kiosk import outbox
from kiosk.clock import utcnow
from kiosk.store.database import Store
from kiosk.store.models import Hold, HoldState, OutboxItem, OutboxState
from sync import pull, push
from sync.client import SyncClient
from sync.errors import InvalidResponse, ServerFailed, TransientError
from tests.fault.stub_server import Reply, Seen, StubServer
from tests.integration.terminal import Terminal, make_terminal
from tests.server.live import LiveServer, World

_SKIPPED_HEADERS = {"host", "content-length", "accept-encoding", "connection"}


class Relay:
    """Forwards every request to the real server, but answers 500 to a push carrying ``poison``."""

    def __init__(self, server: LiveServer, *, store_first: bool) -> None:
        self.server = server
        self.store_first = store_first  # let the server store the batch, then break the answer
        self.poison: str | None = None
        self.failed = 0

    def __call__(self, seen: Seen) -> Reply:
        poisoned = (
            seen.path == "/v1/push"
            and self.poison is not None
            and self.poison in {i["idempotency_key"] for i in json.loads(seen.body)["items"]}
        )
        if poisoned and not self.store_first:
            self.failed += 1
            return Reply(500, b'{"error":{"code":"internal_error","message":"bug","params":{}}}')
        headers = {k: v for k, v in seen.headers.items() if k.lower() not in _SKIPPED_HEADERS}
        with httpx.Client(base_url=self.server.url, timeout=30.0) as http:
            answer = http.request(seen.method, seen.path, headers=headers, content=seen.body)
        if poisoned:
            self.failed += 1
            return Reply(500, b'{"error":{"code":"internal_error","message":"bug","params":{}}}')
        return Reply(
            answer.status_code,
            answer.content,
            {"Content-Type": answer.headers.get("content-type", "application/json")},
        )


def _terminal(tmp_path: Path, stub: StubServer, world: World) -> Terminal:
    terminal = make_terminal(tmp_path, stub.url, world.devices[0])
    pull.pull_until_caught_up(terminal.store, terminal.client, clock=terminal.worker.clock)
    terminal.core.sign_in(world.resident.facility_number, world.resident.pin)
    return terminal


def _push_until_settled(terminal: Terminal, rounds: int = 10) -> int:
    """Push rounds (each item made due again after a failure) until one ends cleanly."""
    for failures in range(rounds):
        try:
            push.push_due(terminal.store, terminal.client, clock=terminal.worker.clock)
        except TransientError:
            push.due_now(terminal.store, clock=terminal.worker.clock)
            continue
        return failures
    raise AssertionError("the queue never drained")


def _items(terminal: Terminal) -> list[OutboxItem]:
    with terminal.store.read() as session:
        return list(session.query(OutboxItem).order_by(OutboxItem.id))


def _purchase_item(terminal: Terminal) -> OutboxItem:
    [item] = [i for i in _items(terminal) if i.kind == "purchase_stamps"]
    return item


def test_an_item_the_server_fails_every_time_and_never_stored_is_set_aside_and_the_queue_moves(
    tmp_path: Path, central_server: LiveServer, stub: StubServer
) -> None:
    world = central_server.world(residents=1, debit_cents=1000, stamps=5)
    relay = Relay(central_server, store_first=False)
    stub.default = relay
    terminal = _terminal(tmp_path, stub, world)
    try:
        terminal.core.buy_stamps("book-10")
        relay.poison = _purchase_item(terminal).idempotency_key
        terminal.core.send_reply(world.resident.contact_id, None, "Paid with my own stamps")
        failures = _push_until_settled(terminal)

        assert failures == push.FATE_AFTER - 1  # two rounds held, the third set it aside
        fates = [s for s in stub.seen if s.path == "/v1/push/fate"]
        assert len(fates) == 1
        bought = _purchase_item(terminal)
        assert (bought.state, bought.last_error) == (OutboxState.FAILED, outbox.SET_ASIDE)
        others = [i for i in _items(terminal) if i.kind != "purchase_stamps"]
        assert others and {i.state for i in others} == {OutboxState.DONE}
        with terminal.store.read() as session:
            hold = session.query(Hold).filter_by(client_id=bought.payload["client_id"]).one()
            assert hold.state == HoldState.VOIDED
            assert outbox.set_aside_count(session) == 1
        # Nothing of the purchase reached the server; the reply did (one stamp spent).
        assert central_server.balances(world.resident.resident_id) == (4, 1000)
        sent_keys = [
            i["idempotency_key"]
            for s in stub.seen
            if s.path == "/v1/push"
            for i in json.loads(s.body)["items"]
        ]
        # Never sent under another key, and never again once set aside.
        assert sent_keys.count(relay.poison) == relay.failed
    finally:
        terminal.close()


def test_an_item_stored_whose_answer_breaks_every_time_is_settled_from_its_stored_answer(
    tmp_path: Path, central_server: LiveServer, stub: StubServer
) -> None:
    world = central_server.world(residents=1, debit_cents=1000, stamps=5)
    relay = Relay(central_server, store_first=True)
    stub.default = relay
    terminal = _terminal(tmp_path, stub, world)
    try:
        terminal.core.buy_stamps("book-10")
        relay.poison = _purchase_item(terminal).idempotency_key
        terminal.core.send_reply(world.resident.contact_id, None, "After the purchase")
        _push_until_settled(terminal)

        bought = _purchase_item(terminal)
        assert bought.state == OutboxState.DONE
        assert {i.state for i in _items(terminal)} == {OutboxState.DONE}
        with terminal.store.read() as session:
            hold = session.query(Hold).filter_by(client_id=bought.payload["client_id"]).one()
            assert hold.state == HoldState.POSTED
        assert central_server.balances(world.resident.resident_id) == (14, 550)  # charged once
        assert terminal.core.balances().confirmed == 14
    finally:
        terminal.close()


def test_a_reply_paid_by_a_purchase_set_aside_fails_with_it_and_is_never_sent(
    tmp_path: Path, central_server: LiveServer, stub: StubServer
) -> None:
    world = central_server.world(residents=1, debit_cents=1000, stamps=0)
    relay = Relay(central_server, store_first=False)
    stub.default = relay
    terminal = _terminal(tmp_path, stub, world)
    try:
        sent = terminal.core.buy_and_send("book-10", world.resident.contact_id, None, "Bought for")
        relay.poison = _purchase_item(terminal).idempotency_key
        _push_until_settled(terminal)

        with terminal.store.read() as session:
            reply = session.get(OutboxItem, sent.outbox_item_id)
            assert reply is not None
            assert (reply.state, reply.last_error) == (OutboxState.FAILED, outbox.SET_ASIDE)
            reply_key = reply.idempotency_key
        requests = [
            {i["idempotency_key"] for i in json.loads(s.body)["items"]}
            for s in stub.seen
            if s.path == "/v1/push"
        ]
        # Only ever sent beside its purchase, in the requests the server failed whole.
        assert all(relay.poison in keys for keys in requests if reply_key in keys)
        assert central_server.balances(world.resident.resident_id) == (0, 1000)
        message = terminal.core.message(sent.message.message_id)
        assert (message.status, message.status_reason) == ("rejected", outbox.SET_ASIDE)
        assert any(d.body == "Bought for" for d in terminal.core.drafts())
    finally:
        terminal.close()


def _read_item(store: Store) -> OutboxItem:
    with store.write() as session:
        return outbox.enqueue(
            session,
            "mark_read",
            {"resident_id": "r1", "message_id": "m1", "read_at": "2026-11-23T08:00:00Z"},
            utcnow(),
        )


_BUG = Reply(500, b'{"error":{"code":"internal_error","message":"bug","params":{}}}')


def _strike_out(store: Store, client: SyncClient) -> None:
    for _ in range(push.FATE_AFTER - 1):
        with pytest.raises(ServerFailed):
            push.push_due(store, client)
        push.due_now(store)


def test_a_fate_answer_about_another_key_is_refused_and_the_item_stays_queued(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    queued = _read_item(store)
    stub.script(_BUG, _BUG, _BUG)
    stub.script(
        Reply(
            200, json.dumps({"fates": [{"idempotency_key": "f" * 32, "fate": "unknown"}]}).encode()
        )
    )
    _strike_out(store, stub_client)
    with pytest.raises(InvalidResponse, match="not about the key"):
        push.push_due(store, stub_client)
    with store.read() as session:
        assert outbox.is_pending(session, queued.id)


def test_a_stored_refusal_named_by_the_fate_answer_fails_the_item_with_its_reason(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    queued = _read_item(store)
    key = queued.idempotency_key
    stored = {
        "idempotency_key": key,
        "outcome": "duplicate",
        "original_outcome": "rejected",
        "reason": "unknown_message",
    }
    stub.script(_BUG, _BUG, _BUG)
    fates = {"fates": [{"idempotency_key": key, "fate": "stored", "answer": stored}]}
    stub.script(Reply(200, json.dumps(fates).encode()))
    _strike_out(store, stub_client)
    report = push.push_due(store, stub_client)
    assert report.duplicate == 1  # settled as the duplicate of its stored answer
    assert json.loads(stub.seen[-1].body) == {"idempotency_keys": [key]}
    with store.read() as session:
        item = session.get(OutboxItem, queued.id)
        assert item is not None
        assert (item.state, item.last_error) == (OutboxState.FAILED, "unknown_message")


def test_the_server_errors_of_an_item_are_counted_across_restarts(
    tmp_path: Path, central_server: LiveServer, stub: StubServer
) -> None:
    """A terminal restarted between attempts (a crash loop, a power cut) still asks the
    item's fate after FATE_AFTER errors in all: the count is kept with the item."""
    world = central_server.world(residents=1, debit_cents=1000, stamps=5)
    relay = Relay(central_server, store_first=False)
    stub.default = relay
    terminal = _terminal(tmp_path, stub, world)
    try:
        terminal.core.buy_stamps("book-10")
        relay.poison = _purchase_item(terminal).idempotency_key
        with pytest.raises(AssertionError, match="never drained"):
            _push_until_settled(terminal, rounds=push.FATE_AFTER - 1)
    finally:
        terminal.close()
    assert not [s for s in stub.seen if s.path == "/v1/push/fate"]
    again = make_terminal(tmp_path, stub.url, world.devices[0])  # the same store, restarted
    try:
        assert _push_until_settled(again) == 0  # the next error is the last: its fate asked
        assert len([s for s in stub.seen if s.path == "/v1/push/fate"]) == 1
        bought = _purchase_item(again)
        assert (bought.state, bought.last_error) == (OutboxState.FAILED, outbox.SET_ASIDE)
    finally:
        again.close()
