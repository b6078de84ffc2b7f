"""Through a loopback proxy that drops, resets, truncates, delays and fails requests,
every queued item still reaches the real server exactly once."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from kiosk.store.models import OutboxItem, OutboxState
from sync.status import SyncStatus
from sync.terminal import Terminal
from tests.integration.terminal import make_terminal
from tests.server.live import LiveServer, World, ok

from .proxy import FAULTS, FaultProxy

REPLIES = 24
PURCHASES = 6


def _through_the_storm(
    terminal: Terminal, proxy: FaultProxy, during: Callable[[], None] = lambda: None
) -> None:
    """Sync through the faulty network (``during`` once, after the first round) until the
    outbox is drained; then a clean round, and every item is done, none failed."""
    proxy.enabled = True
    deadline = time.monotonic() + 90
    rounds = 0
    while time.monotonic() < deadline:
        status = terminal.worker.sync_once()
        rounds += 1
        if rounds == 1:
            during()
        elif status.items_waiting == 0 and status.online:
            break
        time.sleep(0.1)
    proxy.enabled = False
    status = _clean_round(terminal)
    assert status.items_waiting == 0, status
    assert status.items_failed == 0, status
    with terminal.store.read() as session:
        states = set(session.scalars(select(OutboxItem.state)))
    assert states == {OutboxState.DONE}


def _clean_round(terminal: Terminal) -> SyncStatus:
    """A round with the proxy passing everything, as the worker would retry it: the
    terminal's one-second read timeout (short, for the storm) can expire on a busy
    machine even with a healthy network, which is not what these tests are about."""
    deadline = time.monotonic() + 60
    status = terminal.worker.sync_once()
    while not status.online and time.monotonic() < deadline:
        time.sleep(0.2)
        status = terminal.worker.sync_once()
    assert status.online, status
    return status


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_item_delivered_exactly_once_through_a_faulty_network(
    tmp_path: Path, central_server: LiveServer, seed: int
) -> None:
    world: World = central_server.world(residents=1, debit_cents=10_000, stamps=50, devices=1)
    resident = world.resident
    start_stamps, start_cents = central_server.balances(resident.resident_id)
    upstream = urlparse(central_server.url)
    proxy = FaultProxy(
        (upstream.hostname or "127.0.0.1", upstream.port or 80), seed=seed, rate=0.5, delay_s=1.5
    )
    with proxy.running():
        proxy.enabled = False  # enroll-time sync clean, then the storm
        terminal = make_terminal(
            tmp_path, proxy.url, world.devices[0], read_timeout_s=1.0, name=f"net{seed}"
        )
        try:
            _clean_round(terminal)
            terminal.core.sign_in(resident.facility_number, resident.pin)
            bodies = [f"reply {seed}-{i}" for i in range(REPLIES)]
            for i, body in enumerate(bodies):
                terminal.core.send_reply(resident.contact_id, None, body)
                if i % (REPLIES // PURCHASES) == 0:
                    terminal.core.buy_stamps("stamp-1")
            terminal.worker.push_batch = 3  # many small requests: many chances to fail
            _through_the_storm(terminal, proxy)
            balances = terminal.core.balances()
        finally:
            terminal.close()
    assert sum(proxy.applied[f] for f in FAULTS) >= 5, proxy.applied  # the storm was real

    with central_server.staff() as staff:
        mine = {"resident_id": resident.resident_id}
        queued = [m["body"] for m in ok(staff.get("/v1/staff/review", params=mine))]
    assert sorted(queued) == sorted(bodies)  # each reply once, none lost, none twice
    stamps, cents = central_server.balances(resident.resident_id)
    assert cents == start_cents - PURCHASES * 50  # each purchase charged once
    assert stamps == start_stamps - REPLIES + PURCHASES
    assert balances.confirmed == stamps
    assert balances.debit_cents == cents
    assert balances.pending_purchases == 0


def test_through_a_server_restart_and_a_staff_wipe_every_item_still_arrives_once(
    tmp_path: Path, private_server: LiveServer
) -> None:
    """The storm, with the server restarted in the middle of it; then staff wipe the
    terminal, the resident signs in again and writes more through a second storm: all of
    it arrives once (the wipe drops nothing already sent, and new work is not refused as
    a replay), and each purchase is charged once."""
    world = private_server.world(residents=1, debit_cents=10_000, stamps=50, devices=1)
    r = world.resident
    start_stamps, start_cents = private_server.balances(r.resident_id)
    upstream = urlparse(private_server.url)
    proxy = FaultProxy(
        (upstream.hostname or "127.0.0.1", upstream.port or 80), seed=4, rate=0.5, delay_s=1.5
    )
    bodies = []
    with proxy.running():
        proxy.enabled = False
        terminal = make_terminal(tmp_path, proxy.url, world.devices[0], read_timeout_s=1.0)
        try:
            terminal.worker.push_batch = 3
            _clean_round(terminal)
            for phase, during in (("before", private_server.restart), ("after", lambda: None)):
                terminal.core.sign_in(r.facility_number, r.pin)
                # The round a sign-in asks of the worker (reconcile_soon): after the wipe it
                # brings his balance back before he writes.
                _clean_round(terminal)
                for i in range(6):
                    bodies.append(f"{phase} the wipe {i}")
                    terminal.core.send_reply(r.contact_id, None, bodies[-1])
                terminal.core.buy_stamps("stamp-1")
                terminal.core.end_session("sign_out")
                _through_the_storm(terminal, proxy, during)
                if phase == "before":
                    with world.staff() as staff:
                        ok(staff.post(f"/v1/staff/devices/{world.devices[0][0]}/wipe"))
                    _clean_round(terminal)  # the wipe obeyed
            assert sum(proxy.applied[f] for f in FAULTS) >= 5, proxy.applied
        finally:
            terminal.close()
    with world.staff() as staff:
        queued = [
            m["body"]
            for m in ok(staff.get("/v1/staff/review", params={"resident_id": r.resident_id}))
        ]
    assert sorted(queued) == sorted(bodies)
    stamps, cents = private_server.balances(r.resident_id)
    assert cents == start_cents - 2 * 50
    assert stamps == start_stamps - len(bodies) + 2
