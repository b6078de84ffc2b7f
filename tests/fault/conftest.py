"""Fixtures of the fault suites: terminal settings, credentials, the hostile stub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import Settings
from sync.client import SyncClient
from sync.credentials import CredentialStore

from .stub_server import StubServer


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer().running() as server:
        yield server


def terminal_settings(tmp_path: Path, server_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "server_url": server_url,
        "data_dir": tmp_path / "data",
        "connect_timeout_s": 2.0,
        "read_timeout_s": 2.0,
        "long_poll_s": 0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def enrolled() -> CredentialStore:
    credentials = CredentialStore()
    credentials.store_credential("test-credential-0123456789")
    return credentials


@pytest.fixture
def stub_client(
    tmp_path: Path, stub: StubServer, enrolled: CredentialStore
) -> Iterator[SyncClient]:
    client = SyncClient(terminal_settings(tmp_path, stub.url), enrolled.credential)
    try:
        yield client
    finally:
        client.close()
