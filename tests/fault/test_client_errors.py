"""The HTTP client turns every way a server can fail into a typed, actionable error."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sync.client import SyncClient, parse_retry_after
from sync.credentials import CredentialStore
from sync.errors import (
    CredentialRevoked,
    InvalidResponse,
    NotEnrolled,
    PermanentError,
    ProtocolVersionMismatch,
    RequestRefused,
    ServerFailed,
    ServerUnreachable,
    Throttled,
    TransientError,
)
from sync.protocol import PROTOCOL_VERSION

from .conftest import terminal_settings
from .stub_server import Reply, StubServer


def error(code: str, status: int = 400, **params: object) -> Reply:
    body = {"error": {"code": code, "message": f"{code} happened", "params": params}}
    return Reply(status, json.dumps(body).encode())


def test_every_request_carries_protocol_version_and_keyring_credential(
    stub: StubServer, stub_client: SyncClient
) -> None:
    stub.script(Reply(200, b'{"ok": true}'))
    assert stub_client.request_json("GET", "/v1/anything") == {"ok": True}
    sent = stub.seen[0].headers
    assert sent["Kite-Protocol"] == PROTOCOL_VERSION
    assert sent["Authorization"] == "Bearer test-credential-0123456789"
    assert "gzip" in sent["Accept-Encoding"]


def test_credential_change_in_keyring_takes_effect_on_next_request(
    stub: StubServer, stub_client: SyncClient, enrolled: CredentialStore
) -> None:
    stub.script(Reply(), Reply())
    stub_client.request_json("GET", "/v1/a")
    enrolled.store_credential("rotated-credential-9876543210")
    stub_client.request_json("GET", "/v1/a")
    assert stub.seen[1].headers["Authorization"] == "Bearer rotated-credential-9876543210"


def test_missing_credential_is_not_enrolled_and_nothing_is_sent(
    tmp_path: Path, stub: StubServer
) -> None:
    client = SyncClient(terminal_settings(tmp_path, stub.url), CredentialStore().credential)
    with pytest.raises(NotEnrolled):
        client.request_json("GET", "/v1/changes")
    assert stub.seen == []


def test_gzip_answers_are_decoded(stub: StubServer, stub_client: SyncClient) -> None:
    body = gzip.compress(b'{"changes": []}')
    stub.script(Reply(200, body, {"Content-Type": "application/json", "Content-Encoding": "gzip"}))
    assert stub_client.request_json("GET", "/v1/x") == {"changes": []}


def test_server_error_is_transient(stub: StubServer, stub_client: SyncClient) -> None:
    stub.script(Reply(500, b"Internal Server Error", {}))
    with pytest.raises(ServerFailed) as caught:
        stub_client.request_json("GET", "/v1/x")
    assert isinstance(caught.value, TransientError)


def test_throttling_honours_retry_after_seconds(stub: StubServer, stub_client: SyncClient) -> None:
    stub.script(Reply(429, b"{}", {"Retry-After": "7"}))
    with pytest.raises(Throttled) as caught:
        stub_client.request_json("GET", "/v1/x")
    assert caught.value.retry_after == 7.0


def test_unavailable_with_retry_after_date_is_throttling(
    stub: StubServer, stub_client: SyncClient
) -> None:
    stub.script(Reply(503, b"", {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}))
    with pytest.raises(Throttled) as caught:
        stub_client.request_json("GET", "/v1/x")
    assert caught.value.retry_after == 3600.0  # capped: a far date never parks the terminal


def test_unreadable_retry_after_is_ignored() -> None:
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after(None) is None


def test_protocol_mismatch_is_permanent_and_named(
    stub: StubServer, stub_client: SyncClient
) -> None:
    stub.script(error("protocol_version", 426, supported=[2]))
    with pytest.raises(ProtocolVersionMismatch) as caught:
        stub_client.request_json("GET", "/v1/changes")
    assert isinstance(caught.value, PermanentError)
    assert "protocol version" in str(caught.value)


def test_revoked_device_is_its_own_error(stub: StubServer, stub_client: SyncClient) -> None:
    stub.script(error("device_revoked", 401))
    with pytest.raises(CredentialRevoked):
        stub_client.request_json("GET", "/v1/changes")


def test_refusal_keeps_code_and_params(stub: StubServer, stub_client: SyncClient) -> None:
    stub.script(error("account_locked", 423, until="2026-11-23T08:00:00Z"))
    with pytest.raises(RequestRefused) as caught:
        stub_client.request_json("POST", "/v1/sign-in", body={})
    assert caught.value.code == "account_locked"
    assert caught.value.params == {"until": "2026-11-23T08:00:00Z"}
    assert caught.value.status == 423


def test_answer_that_is_not_json_is_invalid_not_a_crash(
    stub: StubServer, stub_client: SyncClient
) -> None:
    stub.script(Reply(200, b"<html>captive portal</html>", {"Content-Type": "text/html"}))
    with pytest.raises(InvalidResponse):
        stub_client.request_json("GET", "/v1/changes")


def test_truncated_body_is_transient(stub: StubServer, stub_client: SyncClient) -> None:
    stub.script(
        Reply(200, b'{"changes": [], "next_cursor": "1", "has_more": false}', truncate_to=10)
    )
    with pytest.raises(TransientError):
        stub_client.request_json("GET", "/v1/changes")


def test_read_timeout_is_unreachable(
    tmp_path: Path, stub: StubServer, enrolled: CredentialStore
) -> None:
    settings = terminal_settings(tmp_path, stub.url, read_timeout_s=0.2)
    client = SyncClient(settings, enrolled.credential)
    stub.script(Reply(200, b"{}", delay_s=1.0))
    with pytest.raises(ServerUnreachable):
        client.request_json("GET", "/v1/x")


def test_refused_connection_is_unreachable(tmp_path: Path, enrolled: CredentialStore) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = SyncClient(
        terminal_settings(tmp_path, f"http://127.0.0.1:{port}"), enrolled.credential
    )
    with pytest.raises(ServerUnreachable):
        client.health()


def test_tls_uses_configured_ca_bundle_and_client_cert(
    tmp_path: Path, enrolled: CredentialStore
) -> None:
    ca = tmp_path / "ca.pem"
    cert = tmp_path / "client.pem"
    ca.write_text("x")
    cert.write_text("x")
    settings = terminal_settings(
        tmp_path, "https://central.example", ca_bundle=ca, client_cert=cert
    )
    client = SyncClient(settings, enrolled.credential)
    assert client.session.verify == str(ca)
    assert client.session.cert == str(cert)
    default = SyncClient(
        terminal_settings(tmp_path, "https://central.example"), enrolled.credential
    )
    assert default.session.verify is True


def test_oversized_answer_is_refused_before_it_fills_memory(
    stub: StubServer, stub_client: SyncClient
) -> None:
    stub_client.max_response_bytes = 1024
    stub.script(Reply(200, b'{"changes": [' + b'"x",' * 10_000 + b'"x"]}'))
    with pytest.raises(InvalidResponse, match="larger than"):
        stub_client.request_json("GET", "/v1/changes")


def test_gzip_bomb_is_refused_by_its_decoded_size(
    stub: StubServer, stub_client: SyncClient
) -> None:
    stub_client.max_response_bytes = 1024 * 1024
    bomb = gzip.compress(b" " * (64 * 1024 * 1024))  # 64 MiB of spaces, ~64 KiB on the wire
    stub.script(Reply(200, bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"}))
    with pytest.raises(InvalidResponse, match="larger than"):
        stub_client.request_json("GET", "/v1/changes")
