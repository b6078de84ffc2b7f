"""``kite-central serve`` serves TLS itself, and the terminal syncs through it.

A facility CA and a server certificate for 127.0.0.1 are made here; the server
is the real command line (``--certfile``/``--keyfile``) on loopback, and the
terminal is the real one (``open_terminal``) trusting exactly that CA.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from kiosk.store.models import Direction, Message
from sync.client import SyncClient
from sync.errors import ServerUnreachable
from tests.integration.terminal import make_terminal
from tests.security.certs import Authority, make_authority
from tests.security.rawconn import MARGIN_S, connect, wait_closed
from tests.server.live import LiveServer, ServerTls, ok

HEADER_S = 1.0


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return make_authority(tmp_path_factory.mktemp("pki") / "facility", "Facility")


@pytest.fixture(scope="module")
def tls_server(
    tmp_path_factory: pytest.TempPathFactory, authority: Authority
) -> Iterator[LiveServer]:
    files = ServerTls(authority.server_cert, authority.server_key, authority.ca_pem)
    live = LiveServer.start(
        tmp_path_factory.mktemp("central"),
        env={"KITE_CENTRAL_HEADER_TIMEOUT_S": str(HEADER_S)},
        tls=files,
    )
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def server(tls_server: LiveServer) -> Iterator[LiveServer]:
    with tls_server.watched() as live:
        yield live


def test_the_terminal_pulls_a_message_through_the_servers_own_tls(
    server: LiveServer, authority: Authority, tmp_path: Path
) -> None:
    assert server.url.startswith("https://127.0.0.1:")
    world = server.world(residents=1)
    with world.family() as family:
        body = {
            "idempotency_key": uuid.uuid4().hex,
            "contact_id": world.resident.contact_id,
            "body": "Sent over TLS",
        }
        message_id = ok(family.post("/v1/family/messages", json=body))["message_id"]
    with world.staff() as staff:
        ok(staff.post(f"/v1/staff/review/{message_id}", json={"decision": "approve"}))

    terminal = make_terminal(tmp_path, server.url, world.devices[0], ca_bundle=authority.ca_pem)
    try:
        status = terminal.worker.sync_once()
        assert status.state == "online", status
        with terminal.store.read() as session:
            bodies = session.scalars(
                select(Message.body).where(Message.direction == Direction.INBOUND)
            ).all()
        assert "Sent over TLS" in bodies
    finally:
        terminal.close()


def test_a_terminal_that_does_not_trust_the_facility_ca_is_refused(
    server: LiveServer, tmp_path: Path
) -> None:
    from kiosk.config import Settings

    settings = Settings(server_url=server.url, data_dir=tmp_path, connect_timeout_s=2.0)
    client = SyncClient(settings, lambda: None)
    try:
        with pytest.raises(ServerUnreachable, match="CERTIFICATE_VERIFY_FAILED"):
            client.health()
    finally:
        client.close()


def test_plain_http_to_the_tls_port_gets_no_answer(server: LiveServer) -> None:
    plain = server.url.replace("https://", "http://")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{plain}/v1/health", timeout=5)


def test_a_tls_handshake_that_never_starts_is_closed_within_the_header_limit(
    server: LiveServer, authority: Authority
) -> None:
    with connect(server.url) as silent:
        wait_closed(silent, HEADER_S + MARGIN_S)
    # Meanwhile, and after, a genuine handshake and request go through.
    context = ssl.create_default_context(cafile=str(authority.ca_pem))
    assert httpx.get(f"{server.url}/v1/health", verify=context).status_code == 200
