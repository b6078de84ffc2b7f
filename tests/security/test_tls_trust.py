"""The terminal trusts exactly the CA bundle IT configured, whatever the environment says.

Real TLS servers on 127.0.0.1 with certificates made here (a facility CA and a
stranger CA, each signing a server certificate for 127.0.0.1), and the
terminal's real client and requests session.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk.config import Settings
from sync.client import SyncClient
from sync.errors import ServerUnreachable
from tests.fault.stub_server import Reply, StubServer
from tests.security.certs import Authority, make_authority


class _Health(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # head and body in two writes: no delayed-ACK wait
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def tls_server(authority: Authority) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 presenting ``authority``'s server certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(authority.server_cert, authority.server_key)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)  # quick stop
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def facility(tmp_path: Path) -> Authority:
    return make_authority(tmp_path / "facility", "Facility")


@pytest.fixture
def stranger(tmp_path: Path) -> Authority:
    return make_authority(tmp_path / "stranger", "Stranger")


@pytest.fixture(autouse=True)
def no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


def client_for(url: str, tmp_path: Path, ca_bundle: Path | None) -> SyncClient:
    settings = Settings(
        server_url=url,
        data_dir=tmp_path,
        ca_bundle=ca_bundle,
        connect_timeout_s=2.0,
        read_timeout_s=2.0,
    )
    return SyncClient(settings, lambda: None)


def test_server_signed_by_the_configured_ca_is_trusted(tmp_path: Path, facility: Authority) -> None:
    with tls_server(facility) as url:
        client = client_for(url, tmp_path, facility.ca_pem)
        assert client.health() == {"status": "ok"}
        client.close()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_bundle_in_the_environment_does_not_replace_the_configured_one(
    variable: str,
    tmp_path: Path,
    facility: Authority,
    stranger: Authority,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, str(stranger.ca_pem))
    with tls_server(facility) as url:
        client = client_for(url, tmp_path, facility.ca_pem)
        assert client.health() == {"status": "ok"}
        client.close()
    with tls_server(stranger) as url:
        client = client_for(url, tmp_path, facility.ca_pem)
        with pytest.raises(ServerUnreachable, match="CERTIFICATE_VERIFY_FAILED"):
            client.health()
        client.close()


def test_server_signed_by_another_ca_is_refused(
    tmp_path: Path, facility: Authority, stranger: Authority
) -> None:
    with tls_server(stranger) as url:
        client = client_for(url, tmp_path, facility.ca_pem)
        with pytest.raises(ServerUnreachable, match="CERTIFICATE_VERIFY_FAILED"):
            client.health()
        client.close()


def test_without_ca_bundle_the_environment_cannot_add_a_trusted_ca(
    tmp_path: Path, stranger: Authority, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(stranger.ca_pem))
    with tls_server(stranger) as url:
        client = client_for(url, tmp_path, None)
        with pytest.raises(ServerUnreachable, match="CERTIFICATE_VERIFY_FAILED"):
            client.health()
        client.close()


def test_proxy_from_the_environment_is_still_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Facility networks may reach the central server only through a proxy: the terminal
    # asks it for a tunnel to the server (CONNECT), and TLS runs inside that tunnel.
    with StubServer().running() as proxy:
        proxy.script(Reply(502, b"no route"))
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        client = client_for("https://central.kite.invalid:8470", tmp_path, None)
        with pytest.raises(ServerUnreachable):
            client.health()
        client.close()
    assert [(seen.method, seen.path) for seen in proxy.seen] == [
        ("CONNECT", "central.kite.invalid:8470")
    ]
