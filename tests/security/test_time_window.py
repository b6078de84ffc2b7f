"""The time window: every request carries the terminal's clock; the server refuses one too far off.

The server here has the production window (300 s) and its clock set to an hour at
which the demo facility is open; each terminal's clock is the server's
(``MovedClock(server.now)``) moved as the test says. What is proved, over HTTP
against the real server:

- a request whose time is outside the window (or missing) is refused with
  ``403 clock_skew`` naming the server's time and the window, before anything
  else; answers carry the server's clock in ``Date``;
- a terminal whose clock is wrong keeps every queued item, says "call IT" (not
  "offline"), records the skew and ``kite-admin status`` shows it; once the clock is
  right the queue goes through;
- the skew is recorded from ordinary answers too;
- an item written days ago (store and forward) is judged by when it is sent;
- enrollment and sign-in are refused the same way, and say so.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import keyring
import pytest
from keyring.backend import KeyringBackend

from kiosk.clock import utcnow
from kiosk.errors import Refusal
from kiosk.store.models import OutboundStatus
from sync import admin, enrollment
from sync.client import SyncClient
from sync.credentials import CredentialStore
from sync.errors import ClockSkewed
from sync.protocol import (
    CLIENT_TIME_HEADER,
    CLIENT_TIME_SINCE_MINOR,
    PROTOCOL_HEADER,
    PROTOCOL_MAJOR,
    PROTOCOL_VERSION,
    format_client_time,
)
from tests.fault.clocks import MovedClock, open_hours_clock
from tests.integration.terminal import make_terminal
from tests.server.live import LiveServer, ok
from tests.stores import fresh_store

WINDOW_S = 300
#: The minor before the time window: such a terminal sends no time.
BEFORE = f"{PROTOCOL_MAJOR}.{CLIENT_TIME_SINCE_MINOR - 1}"
DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def windowed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer.start(
        tmp_path_factory.mktemp("central"), env={"KITE_CENTRAL_CLOCK_WINDOW_S": str(WINDOW_S)}
    )
    ahead = (open_hours_clock()() - utcnow()).total_seconds()
    if ahead > 1:
        live.advance_clock(ahead)  # open hours; tests move it by whole days only
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def server(windowed: LiveServer) -> Iterator[LiveServer]:
    with windowed.watched() as live:
        yield live


def _config(tmp_path: Path, server: LiveServer, data: Path) -> Path:
    config = tmp_path / "kite.toml"
    config.write_text(f'server_url = "{server.url}"\ndata_dir = "{data}"\n', encoding="utf-8")
    return config


def test_a_request_outside_the_window_is_refused_naming_the_servers_time_and_window(
    server: LiveServer,
) -> None:
    world = server.world()
    with world.terminal() as terminal:
        late = format_client_time(server.now() - timedelta(seconds=WINDOW_S + 60))
        refused = terminal.get("/v1/policy", headers={CLIENT_TIME_HEADER: late})
        close = format_client_time(server.now() - timedelta(seconds=WINDOW_S - 60))
        fine = terminal.get("/v1/policy", headers={CLIENT_TIME_HEADER: close})
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "clock_skew"
    assert error["params"]["window_s"] == WINDOW_S
    assert error["params"]["client_time"] == late
    assert WINDOW_S + 55 < error["params"]["skew_s"] < WINDOW_S + 70  # the terminal is behind
    server_time = error["params"]["server_time"]
    assert abs((server.now() - parsed(server_time)).total_seconds()) < 5
    assert fine.status_code == 200
    # Every answer carries the server's own clock (moved here), not the machine's.
    for answer in (refused, fine):
        dated = parsedate_to_datetime(answer.headers["Date"])
        assert abs((server.now() - dated).total_seconds()) < 5


def test_a_request_without_its_time_is_refused_unless_it_predates_the_window(
    server: LiveServer,
) -> None:
    world = server.world()
    bare = {"Authorization": f"Bearer {world.credential}"}
    with httpx.Client(base_url=server.url, headers=bare, verify=server.verify) as client:
        missing = client.get("/v1/policy", headers={PROTOCOL_HEADER: PROTOCOL_VERSION})
        garbled = client.get(
            "/v1/policy",
            headers={PROTOCOL_HEADER: PROTOCOL_VERSION, CLIENT_TIME_HEADER: "yesterday"},
        )
        # A wrong clock is refused before the credential is even looked at.
        stranger = client.get(
            "/v1/policy",
            headers={"Authorization": "Bearer nobody", PROTOCOL_HEADER: PROTOCOL_VERSION},
        )
        older = client.get("/v1/policy", headers={PROTOCOL_HEADER: BEFORE})
    for answer in (missing, garbled, stranger):
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "clock_skew"
        assert answer.json()["error"]["params"]["client_time"] is None
    assert older.status_code == 200  # a terminal of an earlier minor sends no time
    with server.staff() as staff:  # staff and families are not terminals
        assert staff.get("/v1/staff/devices").status_code == 200


def test_a_wrong_clock_keeps_the_queue_tells_it_not_offline_and_recovers(
    server: LiveServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    file_keyring: KeyringBackend,
) -> None:
    world = server.world(residents=1, debit_cents=1000)
    resident = world.resident
    clock = MovedClock(server.now, timedelta(seconds=100))  # a little fast: inside the window
    terminal = make_terminal(tmp_path, server.url, world.devices[0], clock=clock)
    try:
        status = terminal.worker.sync_once()
        assert status.state == "online"
        assert status.clock_skew_s is not None and abs(status.clock_skew_s + 100) < 5
        terminal.core.sign_in(resident.facility_number, resident.pin)
        terminal.core.buy_stamps("stamp-1")
        terminal.core.end_session("sign_out")
        _, cents_before = server.balances(resident.resident_id)

        clock.offset = timedelta(hours=2)  # now far outside the window
        status = terminal.worker.sync_once()
        assert status.state == "clock_wrong" and status.call_it
        assert status.last_error == "clock_skew" and not status.online
        assert status.offline_since is None  # the server answered: never "offline"
        assert status.clock_skew_s is not None and abs(status.clock_skew_s + 7200) < 5
        assert status.clock_window_s == WINDOW_S
        assert status.items_waiting >= 1 and status.items_failed == 0  # nothing refused
        assert server.balances(resident.resident_id)[1] == cents_before
        with pytest.raises(Refusal) as refused:  # not the cached verifier either
            terminal.core.sign_in(resident.facility_number, resident.pin)
        assert refused.value.code == "clock_wrong"

        config = _config(tmp_path, server, terminal.settings.data_dir)
        assert admin.main(["--config", str(config), "status"]) == admin.EXIT_OK
        shown = capsys.readouterr().out
        assert "Sync state:    clock_wrong" in shown
        assert "2 h 0 min ahead of the server's (the server allows 300 s)" in shown
        assert "THE SERVER REFUSES THIS CLOCK" in shown
        keyring.set_keyring(file_keyring)  # kite-admin pinned the image's; the test's again

        clock.offset = timedelta(0)  # IT set the clock
        status = terminal.worker.sync_once()
        assert status.state == "online" and not status.call_it
        # The items' retry times, reckoned by the wrong clock, no longer hold them back: the
        # next push (the running engine is woken at once) sends them.
        status = terminal.worker.sync_once()
        assert status.items_waiting == 0 and status.items_failed == 0
        assert server.balances(resident.resident_id)[1] == cents_before - 50
        terminal.core.sign_in(resident.facility_number, resident.pin)
    finally:
        terminal.close()


def test_an_item_written_days_ago_is_judged_by_when_it_is_sent(
    server: LiveServer, tmp_path: Path
) -> None:
    world = server.world(residents=1, stamps=3)
    resident = world.resident
    terminal = make_terminal(tmp_path, server.url, world.devices[0], clock=MovedClock(server.now))
    try:
        assert terminal.worker.sync_once().state == "online"
        terminal.core.sign_in(resident.facility_number, resident.pin)
        reply = terminal.core.send_reply(resident.contact_id, None, "Written three days ago")
        terminal.core.end_session("sign_out")
        # Three days without a network; both clocks are right when it finally goes.
        server.advance_clock(3 * DAY.total_seconds())
        status = terminal.worker.sync_once()
        assert status.state == "online", status
        assert status.items_waiting == 0 and status.items_failed == 0
        terminal.core.sign_in(resident.facility_number, resident.pin)
        sent = terminal.core.message(reply.message.message_id)
        assert sent.status == OutboundStatus.PENDING_REVIEW
        with server.staff() as staff:
            queue = ok(staff.get("/v1/staff/review", params={"resident_id": resident.resident_id}))
        assert [m["body"] for m in queue] == ["Written three days ago"]
    finally:
        terminal.close()


def test_enrollment_with_a_wrong_clock_is_refused_and_says_so(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "terminal"
    data.mkdir()
    store = fresh_store(data / "kite.db")
    clock = MovedClock(server.now, timedelta(hours=-1))
    config = _config(tmp_path, server, data)
    from kiosk.config import load_settings

    settings = load_settings(config, explicit=True)
    client = SyncClient(settings, lambda: None, clock=clock)
    credentials = CredentialStore(service="kite-test-enroll")
    try:
        with pytest.raises(ClockSkewed) as caught:
            enrollment.begin(store, client, credentials, settings)
        assert "1 h 0 min behind the server's (the server allows 300 s)" in str(caught.value)
        assert caught.value.window_s == WINDOW_S
        clock.offset = timedelta(0)
        ticket = enrollment.begin(store, client, credentials, settings)
        assert ticket.one_time_code
    finally:
        client.close()
        store.close()

    # kite-admin runs on the machine's clock: here a day behind the server's.
    server.advance_clock(DAY.total_seconds())
    other = tmp_path / "admin"
    other.mkdir()
    code = admin.main(["--config", str(_config(other, server, other / "data")), "enroll"])
    assert code == admin.EXIT_FAILED
    err = capsys.readouterr().err
    assert "kite-admin enroll:" in err and "refuses this terminal's clock" in err
    assert "behind the server's (the server allows 300 s)" in err


def parsed(value: str) -> datetime:
    return datetime.fromisoformat(value)
