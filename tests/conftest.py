"""Shared test set-up: offscreen Qt, a real file keyring per test, temp data dirs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyrings.alt.file import PlaintextKeyring

from kiosk.store import open_store
from kiosk.store.database import Store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests must never read the machine's own configuration.
os.environ.pop("KITE_CONFIG", None)


@pytest.fixture(autouse=True)
def file_keyring(tmp_path: Path) -> Iterator[KeyringBackend]:
    """A real keyring backend, a file under this test's tmp_path; the old one comes back after."""
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
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
    """A terminal store opened the way the application opens it (migrated to head)."""
    opened = open_store(store_path)
    try:
        yield opened
    finally:
        opened.close()
