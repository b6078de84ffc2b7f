"""A queue longer than one request: batches go in order, each after the one before
is answered, and a link failure mid-queue loses and repeats nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk.store.models import Message, OutboundStatus, OutboxItem, OutboxState
from sync import pull, push
from sync.backoff import Backoff
from sync.errors import TransientError
from tests.fault.worlds import grant_stamps
from tests.integration.terminal import Terminal, make_terminal
from tests.server.live import LiveServer, World, pull_all

REPLIES = 250  # with their audit events (and the sign-in's): 501 items, three requests


def _queue_replies(terminal: Terminal, world: World) -> None:
    pull.pull_until_caught_up(terminal.store, terminal.client, clock=terminal.worker.clock)
    terminal.core.sign_in(world.resident.facility_number, world.resident.pin)
    for i in range(REPLIES):
        terminal.core.send_reply(world.resident.contact_id, None, f"Reply {i}")


def _outbox(terminal: Terminal) -> dict[OutboxState, int]:
    with terminal.store.read() as session:
        rows = session.execute(
            select(OutboxItem.state, func.count()).group_by(OutboxItem.state)
        ).all()
    return {state: count for state, count in rows}


def _server_messages(world: World) -> int:
    """The resident's messages the server holds, as its change feed tells a terminal."""
    with world.terminal() as terminal:
        changes, _ = pull_all(terminal)
    return len(
        {
            c["data"]["message_id"]
            for c in changes
            if c["kind"] == "outbound_message"
            and c["data"]["resident_id"] == world.resident.resident_id
        }
    )


@pytest.fixture
def loaded(tmp_path: Path, central_server: LiveServer) -> tuple[World, Terminal]:
    world = central_server.world(residents=1, debit_cents=0, stamps=0)
    grant_stamps(world, REPLIES)
    terminal = make_terminal(tmp_path, central_server.url, world.devices[0])
    _queue_replies(terminal, world)
    return world, terminal


def test_a_long_queue_goes_in_several_requests_each_reply_once(
    central_server: LiveServer, loaded: tuple[World, Terminal]
) -> None:
    world, terminal = loaded
    queued = _outbox(terminal)[OutboxState.PENDING]
    assert queued > 2 * push.BATCH_SIZE
    try:
        report = push.push_due(terminal.store, terminal.client, clock=terminal.worker.clock)
        assert (report.batches, report.accepted, report.rejected) == (3, queued, 0)
        assert _outbox(terminal) == {OutboxState.DONE: queued}
        assert central_server.balances(world.resident.resident_id)[0] == 0
        assert _server_messages(world) == REPLIES
        with terminal.store.read() as session:
            statuses = set(session.scalars(select(Message.status)))
        assert statuses == {OutboundStatus.PENDING_REVIEW}
    finally:
        terminal.close()


def test_a_link_failure_on_the_second_request_keeps_the_first_answer_and_repeats_nothing(
    central_server: LiveServer, loaded: tuple[World, Terminal]
) -> None:
    world, terminal = loaded
    send = terminal.client.push
    calls = 0

    def second_request_lost(items: list[dict[str, Any]]) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise TransientError("connection reset by peer")
        return send(items)

    terminal.client.push = second_request_lost  # type: ignore[method-assign]
    fast = Backoff(base_s=0.0, cap_s=0.0)
    queued = _outbox(terminal)[OutboxState.PENDING]
    try:
        with pytest.raises(TransientError):
            push.push_due(
                terminal.store, terminal.client, clock=terminal.worker.clock, backoff=fast
            )
        # The first batch's answer was applied before the second request's failure surfaced.
        assert _outbox(terminal) == {
            OutboxState.DONE: push.BATCH_SIZE,
            OutboxState.PENDING: queued - push.BATCH_SIZE,
        }
        report = push.push_due(
            terminal.store, terminal.client, clock=terminal.worker.clock, backoff=fast
        )
        assert (report.accepted, report.duplicate) == (queued - push.BATCH_SIZE, 0)
        assert _outbox(terminal) == {OutboxState.DONE: queued}
        assert central_server.balances(world.resident.resident_id)[0] == 0
        assert _server_messages(world) == REPLIES
    finally:
        terminal.close()
