"""A client cannot hold the server's connections by saying nothing, or saying it slowly.

The attacks (issue #11): connections that send nothing, a partial header, or a
byte every few seconds stayed open past 70 s, 300 of them at once. The server
here runs ``kite-central serve`` with small limits (one second each, as
``KITE_CENTRAL_*`` settings); production's are in ``docs/server.md``. Each
attack waits on its socket for the limit plus a margin, and a genuine request
is answered while the attack is under way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync.client import SyncClient
from sync.credentials import CredentialStore
from sync.errors import Throttled
from tests.fault.conftest import terminal_settings
from tests.integration.terminal import wait_for
from tests.security.rawconn import (
    MARGIN_S,
    connect,
    request,
    trickle_until_closed,
    wait_closed,
)
from tests.server.live import LiveServer, ok, pull_all

IDLE_S, HEADER_S, BODY_S = 1.0, 1.0, 1.0
LIMITS = {
    "KITE_CENTRAL_IDLE_TIMEOUT_S": str(IDLE_S),
    "KITE_CENTRAL_HEADER_TIMEOUT_S": str(HEADER_S),
    "KITE_CENTRAL_BODY_TIMEOUT_S": str(BODY_S),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer.start(tmp_path_factory.mktemp("central"), env=LIMITS)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def guarded(server: LiveServer) -> Iterator[LiveServer]:
    with server.watched() as live:
        yield live


def healthy(server: LiveServer) -> bool:
    with server.client(protocol=None) as client:
        return client.get("/v1/health").status_code == 200


def test_connections_that_send_nothing_are_closed_within_the_idle_limit(
    guarded: LiveServer,
) -> None:
    silent = [connect(guarded.url) for _ in range(30)]
    try:
        assert healthy(guarded)  # the genuine request is answered meanwhile
        for sock in silent:
            wait_closed(sock, IDLE_S + MARGIN_S)
    finally:
        for sock in silent:
            sock.close()


def test_a_partial_header_is_closed_within_the_header_limit(guarded: LiveServer) -> None:
    with connect(guarded.url) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the end
        wait_closed(sock, HEADER_S + MARGIN_S)
    assert healthy(guarded)


def test_a_header_sent_a_byte_at_a_time_is_closed_within_the_header_limit(
    guarded: LiveServer,
) -> None:
    # A byte every quarter second: each byte would reset a timer that only measures silence.
    with connect(guarded.url) as sock:
        trickle_until_closed(sock, b"GET /v1/health HTTP/1.1\r\nX-Pad: ", HEADER_S + MARGIN_S)
    assert healthy(guarded)


def test_a_body_sent_a_byte_at_a_time_is_closed_within_the_body_limit(
    guarded: LiveServer,
) -> None:
    head = (
        b"POST /v1/enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n"
    )
    with connect(guarded.url) as sock:
        sock.sendall(head)
        trickle_until_closed(sock, b'{"device_id": "', BODY_S + MARGIN_S)
    assert healthy(guarded)


def test_an_answer_may_take_longer_than_the_limits_and_a_connection_serves_again(
    guarded: LiveServer,
) -> None:
    # The deadlines bound what the client sends, never the server's answer: a long poll of
    # twice every limit is answered, and the connection serves the next request.
    world = guarded.world()
    with world.terminal() as terminal:
        _, cursor = pull_all(terminal)
        waited = terminal.get("/v1/changes", params={"cursor": cursor, "wait": 2})
        assert ok(waited)["changes"] == []
        assert waited.elapsed.total_seconds() >= 2 * max(IDLE_S, HEADER_S, BODY_S) - 0.1
    with connect(guarded.url) as sock:
        assert request(sock).startswith(b"HTTP/1.1 200")
        assert request(sock).startswith(b"HTTP/1.1 200")  # keep-alive, inside the idle limit
        wait_closed(sock, IDLE_S + MARGIN_S)  # then closed once idle


def test_connections_beyond_the_cap_are_refused_until_some_close(tmp_path: Path) -> None:
    folder = tmp_path / "central"
    folder.mkdir()
    capped = LiveServer.start(
        folder, env={"KITE_CENTRAL_MAX_CONNECTIONS": "4", "KITE_CENTRAL_IDLE_TIMEOUT_S": "60"}
    )
    held = [connect(capped.url) for _ in range(3)]
    try:
        for sock in held:  # each now an idle keep-alive connection the server holds
            assert request(sock).startswith(b"HTTP/1.1 200")
        with httpx.Client(base_url=capped.url) as client:
            refused = client.get("/v1/health")
        assert refused.status_code == 503
        # ...with the time to come back, in the shape of every refusal, which the
        # terminal's client reads as "slow down" (not as the server being broken).
        assert refused.headers["Retry-After"] == "2"
        assert refused.json()["error"]["code"] == "throttled"
        terminal = SyncClient(terminal_settings(tmp_path, capped.url), CredentialStore().credential)
        with pytest.raises(Throttled) as busy:
            terminal.health()
        assert busy.value.retry_after == 2
        for sock in held:
            sock.close()
        wait_for(lambda: healthy(capped), timeout=10)  # once the server has seen them go
    finally:
        for sock in held:
            sock.close()
        capped.stop()
