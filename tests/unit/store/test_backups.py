"""IT can list the backups and put one back, but never under a running Kite."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.store import StoreError, list_backups, open_store, remove_backups, restore_backup
from kiosk.store.models import Resident

from .world import build_at, fill, read_back

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def migrated_once(store_path: Path, scripts: Path) -> Path:
    """A database that was at the first revision, migrated (so backed up) and then used."""
    build_at(store_path, scripts, "0001")
    fill(store_path)
    store = open_store(store_path)
    with store.write() as session:
        session.add(Resident(id="r-new", facility_number="N-1", display_name="New", updated_at=NOW))
    store.close()
    return store_path


def test_restoring_a_backup_brings_back_the_database_as_it_was_then(
    migrated_once: Path, scripts: Path
) -> None:
    [backup] = list_backups(migrated_once)
    assert backup.revision == "0001" and backup.taken_at.tzinfo is UTC

    restore_backup(migrated_once, backup)

    store = open_store(migrated_once)  # migrates the restored copy again
    try:
        with store.read() as session:
            assert "r-new" not in set(session.scalars(select(Resident.id)))
            assert "r-1001" in set(session.scalars(select(Resident.id)))
    finally:
        store.close()
    assert [b.revision for b in list_backups(migrated_once)] == ["0001", "0001"]


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kiosk.store import open_store
    store = open_store(Path(sys.argv[1]))
    with store.read() as session:
        session.connection()
    print("open", flush=True)
    time.sleep(120)
    """
)


def test_restoring_is_refused_while_kite_has_the_database_open(migrated_once: Path) -> None:
    [backup] = list_backups(migrated_once)
    before = migrated_once.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(migrated_once)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="open in another program"):
            restore_backup(migrated_once, backup.path)
    finally:
        holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    assert migrated_once.read_bytes() == before


def test_a_damaged_backup_is_not_restored(migrated_once: Path) -> None:
    [backup] = list_backups(migrated_once)
    backup.path.write_bytes(b"not a database at all" * 100)
    written_before = read_back(migrated_once, {"residents": [{"id": None}]})

    with pytest.raises(StoreError, match="not an intact Kite database"):
        restore_backup(migrated_once, backup)
    assert read_back(migrated_once, {"residents": [{"id": None}]}) == written_before


def test_no_backups_lists_nothing(store_path: Path) -> None:
    assert list_backups(store_path) == []


def test_removing_backups_leaves_no_copy_of_resident_data(migrated_once: Path) -> None:
    [backup] = list_backups(migrated_once)
    assert remove_backups(migrated_once) == 1
    assert not backup.path.exists() and list_backups(migrated_once) == []
    assert migrated_once.exists()
