"""Shared test set-up: offscreen Qt, Kite's sealed keyring per test, temp data dirs, a terminal
store copied from one migrated per session, and the reference server shared by the session.

``central_server`` is the reference server on SQLite, one for the whole session, for the
suites that test the terminal against it (integration, fault, UI); the server suite
(``tests/server/conftest.py``) runs on PostgreSQL too. A test that changes what is
facility-wide (policy, the server's clock, a restart) takes ``private_server`` instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from kiosk.store.database import Store
from sync.secrets_keyring import SecretsKeyring
from tests import sealed
from tests.server.live import LiveServer, ServerPool, World
from tests.stores import fresh_store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests must never read the machine's own configuration.
os.environ.pop("KITE_CONFIG", None)


# systemd-creds of the tests seals with a host key of their own, never the machine's
# (/var/lib/systemd/credential.secret), and every Settings() finds the test credential.
sealed.install()


@pytest.fixture(autouse=True)
def file_keyring(tmp_path: Path) -> Iterator[KeyringBackend]:
    """Kite's sealed keyring, its file under this test's tmp_path; the old one comes back after.

    Its key is the process's test secrets key, unsealed by systemd-creds once
    (``tests/sealed.py``), so a test pays for no subprocess.
    """
    previous = keyring.get_keyring()
    backend = SecretsKeyring(
        keyring_file=tmp_path / "keyring.enc",
        credential_file=sealed.credential_file(),
        secrets_key=sealed.secrets_key(),
    )
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """Where this test's terminal database lives (a real SQLite file)."""
    data = tmp_path / "terminal"
    data.mkdir()
    return data / "kite.db"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    """A terminal store opened the way the application opens it (at the current schema)."""
    opened = fresh_store(store_path)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session")
def live_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    pool = ServerPool(tmp_path_factory.mktemp)
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def central_server(live_servers: ServerPool) -> Iterator[LiveServer]:
    """The session's reference server on SQLite, over real HTTP on 127.0.0.1."""
    with live_servers.get("sqlite").watched() as server:
        yield server


@pytest.fixture
def private_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A reference server of this test's own (SQLite), which it may stop, restart or re-clock."""
    folder = tmp_path / "central"
    folder.mkdir()
    server = LiveServer.start(folder)
    try:
        with server.watched():
            yield server
    finally:
        server.stop()


@pytest.fixture
def world(central_server: LiveServer) -> World:
    """One resident with 1000 cents and 5 stamps, an approved contact, an enrolled device."""
    return central_server.world(residents=1, debit_cents=1000, stamps=5)
