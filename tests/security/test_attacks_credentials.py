"""Attacks on the device credential (issue #11 part 6), over HTTP against the real server.

The thief holds a copy of a terminal's credential (a stolen tablet, a copied disk, a
tampered image). The genuine terminal is the real one (``sync.terminal``), rotating
through its own code. Whoever rotates first, the other's later use of the rotated-out
credential suspends the device: the theft is noticed either way, staff see why and
when, and only a new enrollment by the code on the terminal's screen lifts it. The
genuine terminal's own requests in flight across its rotation never suspend it.

The module runs its own server (the tests move its clock past the grace).
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from sync.server.cli import main as central
from sync.server.db import Database
from sync.server.models import DeviceCredential
from sync.server.tokens import token_hash
from sync.status import SyncStatus
from sync.terminal import Terminal
from tests.fault.proxy import FaultProxy
from tests.integration.terminal import make_terminal, wait_for
from tests.server.live import LiveServer, World, ok
from tests.server.own import server_of_its_own

GRACE_S = 60.0  # the default KITE_CENTRAL_ROTATION_GRACE_S

_server, server = server_of_its_own("server")


def _code(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def _pull(live: LiveServer, credential: str) -> httpx.Response:
    with live.client(credential) as device:
        return device.get("/v1/changes")


def _view(live: LiveServer, device_id: str) -> dict[str, object]:
    with live.staff() as staff:
        return next(d for d in ok(staff.get("/v1/staff/devices")) if d["device_id"] == device_id)


def _reply_reaches_server(terminal: Terminal, world: World, text: str) -> None:
    resident = world.resident
    terminal.core.sign_in(resident.facility_number, resident.pin)
    terminal.core.send_reply(resident.contact_id, None, text)
    terminal.core.end_session("sign_out")


def _on_server(live: LiveServer, world: World) -> list[str]:
    with live.staff() as staff:
        mine = {"resident_id": world.resident.resident_id}
        queue = ok(staff.get("/v1/staff/review", params=mine))
    return [item["body"] for item in queue]


def _enroll(live: LiveServer, terminal: Terminal, unit: str) -> str:
    """IT enrolls the terminal (again): staff approve the code its screen shows."""
    terminal.credentials.forget_credential()
    ticket = terminal.enrollment.begin()
    with live.staff() as staff:
        body = {"housing_units": [unit], "one_time_code": ticket.one_time_code}
        ok(staff.post(f"/v1/staff/devices/{ticket.device_id}/approve", json=body))
    assert terminal.enrollment.collect(ticket) == "approved"
    return ticket.device_id


def test_a_thief_using_the_credential_the_terminal_rotated_out_suspends_the_device(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = server.world(residents=1, stamps=3, devices=0)
    genuine = make_terminal(tmp_path, server.url, "not-enrolled-yet")
    try:
        device_id = _enroll(server, genuine, world.unit)
        stolen = genuine.credentials.credential()  # copied off the enrolled terminal
        assert stolen is not None
        assert _pull(server, stolen).status_code == 200  # the copy works, as the original
        # The genuine terminal rotates at its first round, and keeps working.
        assert genuine.worker.sync_once().online
        assert genuine.credentials.credential() != stolen
        _reply_reaches_server(genuine, world, "sent after the rotation")
        assert genuine.worker.sync_once().online
        assert "sent after the rotation" in _on_server(server, world)

        # The thief at once: refused, and gets nothing (the grace for the terminal's own
        # requests in flight suspends nobody, but serves nobody either).
        assert _code(_pull(server, stolen)) == (401, "credential_rotated")
        assert _view(server, device_id)["suspended_at"] is None
        assert genuine.worker.sync_once().online
        # The thief again, past the grace: the device is suspended.
        server.advance_clock(GRACE_S + 1)
        assert _code(_pull(server, stolen)) == (403, "device_suspended")
        view = _view(server, device_id)
        assert view["suspended_at"] is not None
        assert view["suspension_reason"] == "rotated_credential_reused"
        assert view["reused_credential_was"] == "rotated"
        assert central(["devices", "--database-url", server.database_url]) == 0
        listed = capsys.readouterr().out
        assert f"{device_id}  approved" in listed and "SUSPENDED since" in listed

        # No credential of the device works now, the genuine one's neither: it says so.
        _reply_reaches_server(genuine, world, "queued while suspended")
        status = genuine.worker.sync_once()
        assert (status.state, status.call_it, status.last_error) == (
            "suspended",
            True,
            "device_suspended",
        )
        assert "queued while suspended" not in _on_server(server, world)

        # Lifted only by enrolling again by the code on its screen; the queue survives.
        assert _enroll(server, genuine, world.unit) == device_id
        assert _view(server, device_id)["suspended_at"] is None
        genuine.close()
        genuine = make_terminal(tmp_path, server.url, "not-enrolled-yet")  # started again
        assert genuine.worker.sync_once().online
        assert "queued while suspended" in _on_server(server, world)
        assert _code(_pull(server, stolen)) == (401, "unauthenticated")
        assert _view(server, device_id)["suspended_at"] is None
    finally:
        genuine.close()


def test_a_thief_who_rotates_first_is_caught_by_the_genuine_terminals_next_request(
    server: LiveServer, tmp_path: Path
) -> None:
    world = server.world(residents=1)
    device_id, stolen = world.devices[0]
    genuine = make_terminal(tmp_path, server.url, (device_id, stolen))
    try:
        assert genuine.worker.sync_once().online  # rotates: the thief's copy is the old one
        copied = genuine.credentials.credential()  # the thief copies the disk again
        assert copied is not None
        with server.client(copied) as thief:
            own = ok(thief.post("/v1/device/rotate"))["credential"]
        with server.client(own) as thief:
            assert thief.get("/v1/changes").status_code == 200  # his now; the copy rotated out
        assert _view(server, device_id)["suspended_at"] is None

        server.advance_clock(GRACE_S + 1)
        status = genuine.worker.sync_once()  # the genuine terminal's next use of its own
        assert status.state == "suspended"
        assert _code(_pull(server, own)) == (403, "device_suspended")  # the thief's too
        view = _view(server, device_id)
        assert view["suspended_at"] is not None
        assert view["reused_credential_was"] == "rotated"
    finally:
        genuine.close()


def test_a_thief_using_a_rotation_answer_the_terminal_never_used_suspends_at_once(
    server: LiveServer,
) -> None:
    """A copy of a rotate answer, superseded by the terminal's next rotation: no grace."""
    world = server.world(residents=1)
    device_id, credential = world.devices[0]
    with server.client(credential) as device:
        intercepted = ok(device.post("/v1/device/rotate"))["credential"]
        ok(device.post("/v1/device/rotate"))  # the terminal never got the first answer
    assert _code(_pull(server, intercepted)) == (403, "device_suspended")
    assert _view(server, device_id)["reused_credential_was"] == "superseded"


class HoldingProxy(FaultProxy):
    """Passes everything on, but holds the first push that carries ``held_credential``
    once ``holding`` is set, until ``release`` is: a slow network delivering the
    terminal's request after its next one."""

    def __init__(self, upstream: tuple[str, int], held_credential: str) -> None:
        super().__init__(upstream, seed=0, rate=0.0)
        self.mark = f"Bearer {held_credential}".encode()
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held = 0
        self.answers: list[bytes] = []
        self._seen = threading.Lock()

    def before_forward(self, request: bytes) -> None:
        with self._seen:
            hold = (
                self.holding.is_set()
                and not self.held
                and request.startswith(b"POST /v1/push ")
                and self.mark in request
            )
            self.held += hold
        if hold:
            self.release.wait(30)

    def answered(self, request: bytes, response: bytes) -> None:
        with self._seen:
            self.answers.append(request + b" -> " + response[:400])


def test_the_terminals_own_request_in_flight_across_its_rotation_does_not_suspend_it(
    server: LiveServer, tmp_path: Path
) -> None:
    world = server.world(residents=1, stamps=3)
    device_id, old = world.devices[0]
    host, port = server.url.removeprefix("http://").split(":")
    proxy = HoldingProxy((host, int(port)), old)
    with proxy.running():
        genuine = make_terminal(tmp_path, proxy.url, (device_id, old))
        # Rotated just now (as far as the schedule knows): the test starts it below.
        genuine.credentials.store_credential_since(genuine.worker.clock())
        statuses: list[SyncStatus] = []
        genuine.worker.add_listener(statuses.append)
        try:
            assert genuine.worker.sync_once().online  # the policy, before a resident writes
            genuine.worker.start()
            wait_for(lambda: genuine.worker.status().online)
            proxy.holding.set()
            # The push thread sends the reply with the old credential; the network holds it.
            _reply_reaches_server(genuine, world, "in flight across the rotation")
            wait_for(lambda: proxy.held == 1)
            genuine.worker.rotation.rotate()  # the terminal's own rotation code
            new = genuine.credentials.credential()
            assert new is not None and new != old
            # The pull thread's next poll uses the new credential: the old one is rotated out.
            wait_for(lambda: any(f"Bearer {new}".encode() in a for a in _requests(proxy)))
            proxy.release.set()  # the held request arrives now, with the old credential
            wait_for(lambda: "in flight across the rotation" in _on_server(server, world))
        finally:
            proxy.release.set()
            genuine.close()
    # It met the race for real: the old credential came in after the new one's first use...
    assert any(b"credential_rotated" in a for a in proxy.answers)
    # ...and nothing took the genuine terminal for a thief.
    assert _view(server, device_id)["suspended_at"] is None
    assert all(s.state != "suspended" for s in statuses)
    assert _pull(server, new).status_code == 200


def _requests(proxy: HoldingProxy) -> list[bytes]:
    with proxy._seen:
        return list(proxy.answers)


def test_rotations_at_once_leave_one_credential_waiting_not_one_each(server: LiveServer) -> None:
    """A thief rotating at the same moment as the terminal: each rotation supersedes the
    one before it, so exactly one new credential can ever take over (on PostgreSQL too,
    where the transactions really run side by side)."""
    world = server.world(residents=1)
    device_id, current = world.devices[0]
    start = threading.Barrier(8)
    issued: list[str] = []

    def rotate() -> None:
        with server.client(current) as device:
            start.wait()
            issued.append(ok(device.post("/v1/device/rotate", json={}))["credential"])

    threads = [threading.Thread(target=rotate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(issued)) == 8
    db = Database(server.database_url)
    try:
        with db.read() as session:
            states = dict(
                session.execute(
                    select(DeviceCredential.token_hash, DeviceCredential.state).where(
                        DeviceCredential.device_id == device_id
                    )
                ).all()
            )
    finally:
        db.dispose()
    waiting = [c for c in issued if states[token_hash(c)] == "next"]
    assert len(waiting) == 1, states
    assert all(states[token_hash(c)] == "retired" for c in issued if c not in waiting)
    # The one left takes over, and the device is no thief's for it.
    assert _pull(server, waiting[0]).status_code == 200
    assert _view(server, device_id)["suspended_at"] is None
