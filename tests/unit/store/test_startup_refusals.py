"""A database Kite cannot trust is refused at start, named, left as it was, with what to do."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from kiosk.store import StoreError, list_backups, open_store

from .world import build_at, fill


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the hash of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _refused(path: Path) -> str:
    before = _snapshot(path.parent)
    with pytest.raises(StoreError) as raised:
        open_store(path)
    assert _snapshot(path.parent) == before, "a refused database must be left byte-for-byte"
    message = str(raised.value)
    assert str(path) in message and "Kite has not changed it" in message
    return message


def test_a_database_from_a_newer_kite_is_refused_and_left_untouched(
    store_path: Path, scripts: Path
) -> None:
    build_at(store_path, scripts, "head")
    fill(store_path)
    with closing(sqlite3.connect(store_path)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")

    message = _refused(store_path)
    assert "newer version of Kite" in message and "0099_from_the_future" in message


def test_a_foreign_file_is_refused_and_left_untouched(store_path: Path) -> None:
    store_path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n" * 200)

    message = _refused(store_path)
    assert "not an SQLite database" in message
    assert "no backup" in message and "call facility IT" in message


def test_an_sqlite_file_kite_did_not_make_is_refused(store_path: Path) -> None:
    with closing(sqlite3.connect(store_path)) as connection, connection:
        connection.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")

    assert "not one Kite made" in _refused(store_path)


def test_a_damaged_database_is_refused_naming_the_newest_backup(
    store_path: Path, scripts: Path
) -> None:
    build_at(store_path, scripts, "0001")
    fill(store_path)
    open_store(store_path).close()  # migrates, so a backup exists
    with closing(sqlite3.connect(store_path)) as connection, connection:
        connection.executemany(
            "INSERT INTO messages (resident_id, contact_id, direction, body, media, sort_at,"
            " has_return_stamp, return_stamp_used, stamps_cost, hidden)"
            " VALUES ('r-1001', 'c-1', 'inbound', ?, '[]', '2026-11-20 10:00:00', 0, 0, 0, 0)",
            [(f"message {n} " + "x" * 300,) for n in range(2000)],
        )
    assert not Path(f"{store_path}-wal").exists(), "closing the last connection checkpoints"
    page_size = 4096
    with store_path.open("r+b") as handle:  # a bad sector: garbage over pages 3 to 40
        handle.seek(2 * page_size)
        handle.write(bytes(range(256)) * (38 * page_size // 256))
    [backup] = list_backups(store_path)

    message = _refused(store_path)
    assert "damaged" in message
    assert str(backup.path) in message and "restore the newest backup" in message


def test_damage_in_the_message_history_is_reported_when_read(store_path: Path) -> None:
    open_store(store_path).close()
    fill(store_path)
    with closing(sqlite3.connect(store_path)) as connection, connection:
        connection.executemany(
            "INSERT INTO messages (resident_id, contact_id, direction, body, media, sort_at,"
            " has_return_stamp, return_stamp_used, stamps_cost, hidden)"
            " VALUES ('r-1001', 'c-1', 'inbound', ?, '[]', '2026-11-20 10:00:00', 0, 0, 0, 0)",
            [(f"message {n} " + "x" * 300,) for n in range(2000)],
        )
    size = store_path.stat().st_size
    with store_path.open("r+b") as handle:  # the newest messages sit at the end of the file
        handle.seek(size - 20 * 4096)
        handle.write(b"\xff" * 16 * 4096)

    store = open_store(store_path)  # the start-up check leaves the bulk history to reads
    try:
        damaged = pytest.raises(StoreError, match="not a readable Kite database")
        with damaged as raised, store.read() as session:
            session.execute(text("SELECT count(*), max(length(body)) FROM messages")).one()
        assert str(store_path) in str(raised.value)
    finally:
        store.close()


def test_a_missing_data_folder_is_refused_rather_than_starting_empty(tmp_path: Path) -> None:
    path = tmp_path / "not-mounted" / "kite.db"
    with pytest.raises(StoreError, match="does not exist"):
        open_store(path)
    assert not path.parent.exists()
