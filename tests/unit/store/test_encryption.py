"""The store encrypted at rest: a plain store is converted with nothing lost, Alembic migrates
the encrypted file, and a copied file is unreadable without this device's key."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlcipher3.dbapi2 as sqlcipher

from kiosk.store import StoreError, checks, list_backups, open_store, restore_backup
from kiosk.store.backups import take_backup
from kiosk.store.migrate import known_revisions

from .world import WORLD, build_at, fill, read_back

KEY = bytes(range(32))  # the kiosk's comes from the sealed keyring (tests/integration)


def test_a_plain_store_with_queued_outbox_items_is_encrypted_and_migrated_with_nothing_lost(
    store_path: Path, scripts: Path
) -> None:
    oldest = known_revisions(scripts)[0]
    build_at(store_path, scripts, oldest)  # an earlier Kite's plain store
    written = fill(store_path)
    assert written["outbox"], "the world queues outbox items"
    take_backup(store_path, oldest)  # a plain backup beside it holds the same residents

    open_store(store_path, KEY).close()  # encrypted first, then migrated by Alembic

    assert not checks.has_sqlite_header(store_path)
    assert read_back(store_path, written, KEY) == written  # every outbox row, every message
    assert not any(checks.has_sqlite_header(b.path) for b in list_backups(store_path))
    assert not store_path.with_name(f".{store_path.name}.encrypting").exists()
    open_store(store_path, KEY).close()  # and it opens again, up to date


def test_a_copied_store_file_is_unreadable_without_the_devices_key(
    store_path: Path, tmp_path: Path
) -> None:
    open_store(store_path, KEY).close()
    fill(store_path, KEY)
    stolen = tmp_path / "stolen.db"
    shutil.copyfile(store_path, stolen)

    body = WORLD["messages"][0]["body"].encode()
    assert body not in stolen.read_bytes() and b"SQLite format 3" not in stolen.read_bytes()
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(stolen).execute("SELECT * FROM messages").fetchall()
    wrong = sqlcipher.connect(stolen)
    wrong.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
    with pytest.raises(sqlcipher.DatabaseError, match="not a database"):
        wrong.execute("SELECT * FROM messages").fetchall()
    with pytest.raises(StoreError, match="cannot be read with this device's store key"):
        open_store(stolen, os.urandom(32))
    with pytest.raises(StoreError, match="not an SQLite database"):
        open_store(stolen)


def test_a_backup_of_the_encrypted_store_is_encrypted_and_restores_with_the_key(
    store_path: Path,
) -> None:
    open_store(store_path, KEY).close()
    written = fill(store_path, KEY)
    backup = take_backup(store_path, "head", key=KEY)
    assert not checks.has_sqlite_header(backup.path)
    store_path.unlink()
    restore_backup(store_path, backup, KEY)
    assert read_back(store_path, written, KEY) == written
