"""Terminals report their health and staff see which went quiet (issue #17, part 6).

Once staff could not see a fleet: nothing told them a kiosk was off, offline, full or
failing until a resident complained. The real worker reports to the real server; the
module's server is its own, because one test moves its clock past the stale mark.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sync.client import SyncClient
from sync.credentials import CredentialStore
from sync.health_report import HealthReporter
from sync.protocol import STALE_AFTER_S
from sync.status import SyncStatus
from tests.fault.conftest import terminal_settings
from tests.fault.stub_server import Reply, StubServer
from tests.integration.terminal import make_terminal
from tests.server.live import LiveServer, ok
from tests.server.own import server_of_its_own

_server, server = server_of_its_own("server")


def _devices(live: LiveServer, **params: Any) -> dict[str, dict[str, Any]]:
    with live.staff() as staff:
        return {d["device_id"]: d for d in ok(staff.get("/v1/staff/devices", params=params))}


def test_a_terminal_reports_its_health_and_staff_see_it(server: LiveServer, tmp_path: Path) -> None:
    world = server.world(residents=1, devices=2)
    reporting, silent = world.devices[0][0], world.devices[1][0]
    terminal = make_terminal(tmp_path, server.url, world.devices[0])
    try:
        assert terminal.worker.sync_once().online
    finally:
        terminal.close()
    seen = _devices(server)
    health = seen[reporting]["health"]
    assert health["sync_state"] == "online"
    assert (health["queue_waiting"], health["queue_failed"]) == (0, 0)
    assert health["last_sync_at"] is not None
    assert health["disk_free_bytes"] > 0
    assert seen[reporting]["stale"] is False
    # The device that never ran is the one to walk to, and the list can say only those.
    assert seen[silent]["health"] is None and seen[silent]["stale"] is True
    assert set(_devices(server, stale="true")) >= {silent}
    assert reporting not in _devices(server, stale="true")
    # Hours later with no report, the reporting device is stale too.
    server.advance_clock(STALE_AFTER_S + 60)
    try:
        assert _devices(server)[reporting]["stale"] is True
    finally:
        server.advance_clock(-(STALE_AFTER_S + 60))


def test_a_server_that_takes_no_reports_is_not_asked_again_and_nothing_fails(
    tmp_path: Path,
) -> None:
    """A 1.7 server answers 404: the terminal keeps syncing and stops asking."""
    with StubServer().running() as stub:
        stub.script(Reply(404, b'{"error": {"code": "not_found", "message": "no", "params": {}}}'))
        enrolled = CredentialStore()
        enrolled.store_credential("kd1_" + "x" * 43)
        settings = terminal_settings(tmp_path, stub.url)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        reporter = HealthReporter(settings, SyncClient(settings, enrolled.credential), SyncStatus)
        assert reporter.report_if_due() is False
        assert reporter.unsupported
        asked = len(stub.seen)
        assert reporter.report_if_due() is False
        assert len(stub.seen) == asked  # not asked again
