"""Done when: two terminals and the server run together; what is written offline
reaches the family once the server is back, the family's answer reaches the
terminal, and a purchase made offline is confirmed exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store.models import Direction, HoldState, OutboundStatus
from sync.status import SyncStatus
from tests.integration.terminal import Terminal, make_terminal, wait_for
from tests.server.live import LiveServer, World, ok


@pytest.fixture
def two_terminals(
    tmp_path: Path, private_server: LiveServer
) -> Iterator[tuple[World, Terminal, Terminal]]:
    world = private_server.world(residents=1, debit_cents=1000, stamps=5, devices=2)
    first = make_terminal(tmp_path, private_server.url, world.devices[0], name="t1")
    second = make_terminal(tmp_path, private_server.url, world.devices[1], name="t2")
    try:
        yield world, first, second
    finally:
        first.close()
        second.close()


def approve_all_pending(server: LiveServer) -> None:
    with server.staff() as staff:
        for item in ok(staff.get("/v1/staff/review")):
            ok(staff.post(f"/v1/staff/review/{item['message_id']}", json={"decision": "approve"}))


def test_offline_reply_and_purchase_arrive_once_and_answer_comes_back(
    private_server: LiveServer, two_terminals: tuple[World, Terminal, Terminal]
) -> None:
    world, t1, t2 = two_terminals
    resident = world.resident
    statuses: list[SyncStatus] = []
    t1.worker.add_listener(statuses.append)
    t1.worker.start()
    t2.worker.start()
    wait_for(lambda: t1.worker.status().online and t2.worker.status().online)
    t1.core.sign_in(resident.facility_number, resident.pin)
    start_stamps, start_cents = private_server.balances(resident.resident_id)

    private_server.stop()
    reply = t1.core.send_reply(resident.contact_id, None, "Written while the server was down")
    purchase = t1.core.buy_stamps("stamp-1")
    t1.worker.nudge()
    wait_for(lambda: t1.worker.status().state == "offline")
    wait_for(lambda: t1.worker.status().items_waiting >= 2)  # the reply, the purchase (+ audit)
    offline = t1.worker.status()
    assert offline.offline_since is not None
    assert offline.last_error == "server_unreachable"
    assert t1.core.balances().pending_purchases == 1

    private_server.restart()
    t1.worker.nudge()
    wait_for(lambda: t1.worker.status().items_waiting == 0, timeout=30)
    wait_for(lambda: t1.worker.status().online, timeout=30)

    # The reply reached the server once and, approved, the family.
    approve_all_pending(private_server)
    with world.family() as family:
        sent = [
            m
            for m in ok(family.get("/v1/family/messages"))
            if m["body"] == "Written while the server was down"
        ]
    assert len(sent) == 1

    # The purchase was charged once, and the terminal shows it confirmed.
    stamps_now, cents_now = private_server.balances(resident.resident_id)
    assert cents_now == start_cents - purchase.price_cents
    assert stamps_now == start_stamps - 1 + purchase.stamps
    wait_for(lambda: t1.core.balances().pending_purchases == 0)
    balances = t1.core.balances()
    assert balances.confirmed == stamps_now
    assert balances.debit_cents == cents_now
    with t1.store.read() as session:
        from kiosk.store.models import Hold

        hold = session.get(Hold, purchase.hold_id)
        assert hold is not None and hold.state == HoldState.POSTED

    # The family answers; the answer appears on the terminal (and on the other one too).
    with world.family() as family:
        ok(
            family.post(
                "/v1/family/messages",
                json={
                    "idempotency_key": uuid.uuid4().hex,
                    "contact_id": resident.contact_id,
                    "body": "We got it, love you",
                },
            )
        )
    approve_all_pending(private_server)

    def answer_arrived(terminal: Terminal) -> bool:
        with terminal.store.read() as session:
            from sqlalchemy import select

            from kiosk.store.models import Message

            bodies = session.scalars(
                select(Message.body).where(Message.direction == Direction.INBOUND)
            ).all()
        return "We got it, love you" in bodies

    wait_for(lambda: answer_arrived(t1), timeout=30)
    wait_for(lambda: answer_arrived(t2), timeout=30)
    mine = t1.core.message(reply.message.message_id)
    assert mine.status in (OutboundStatus.DELIVERED, OutboundStatus.PENDING_REVIEW)
    assert any(s.state == "offline" for s in statuses)
    assert statuses[-1].state == "online"
