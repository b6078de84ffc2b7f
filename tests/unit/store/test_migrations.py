"""The schema Alembic builds is the schema the code expects, from any starting point."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from kiosk.store import StoreError, list_backups, open_store
from kiosk.store.migrate import current_revision, head_revision, known_revisions
from kiosk.store.models import Base
from kiosk.store.revisions import migrations_dir
from kiosk.store.startup import open_with_migrations

from .world import build_at, fill, read_back

with migrations_dir() as _location:
    REVISIONS = known_revisions(_location)
    HEAD = head_revision(_location)


def test_a_new_database_is_created_at_head_exactly_as_the_models_describe(store_path: Path) -> None:
    store = open_store(store_path)
    try:
        with store.engine.connect() as connection:
            assert current_revision(connection) == HEAD
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        store.close()
    assert list_backups(store_path) == [], "a brand-new database has nothing to back up"


def test_there_is_an_earlier_revision_to_upgrade_from() -> None:
    assert len(REVISIONS) >= 2 and REVISIONS[-1] == HEAD


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_upgrading_from_every_earlier_revision_keeps_every_row(
    revision: str, store_path: Path, scripts: Path
) -> None:
    build_at(store_path, scripts, revision)
    written = fill(store_path)
    assert {"residents", "messages", "ledger_entries", "holds", "audit_events"} <= set(written)

    store = open_store(store_path)
    try:
        with store.engine.connect() as connection:
            assert current_revision(connection) == HEAD
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        store.close()

    assert read_back(store_path, written) == written
    [backup] = list_backups(store_path)
    assert backup.revision == revision
    assert read_back(backup.path, written) == written


def test_an_up_to_date_database_opens_without_a_backup(store_path: Path) -> None:
    open_store(store_path).close()
    fill(store_path)
    open_store(store_path).close()
    assert list_backups(store_path) == []


def _scripts_with_failing_step(scripts: Path, tmp_path: Path) -> Path:
    """The shipped scripts plus one revision that fails half way (a fault we inject)."""
    location = tmp_path / "migrations"
    shutil.copytree(scripts, location, ignore=shutil.ignore_patterns("__pycache__"))
    (location / "versions" / "9999_breaks.py").write_text(
        f'''"""A step that fails after changing data."""
from alembic import op

revision = "9999"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM drafts")
    op.execute("ALTER TABLE residents ADD COLUMN nickname VARCHAR(20)")
    raise RuntimeError("the injected step failed")
''',
        encoding="utf-8",
    )
    return location


def test_a_failed_migration_restores_the_backup_and_says_so(
    store_path: Path, scripts: Path, tmp_path: Path
) -> None:
    build_at(store_path, scripts, HEAD)
    written = fill(store_path)
    broken = _scripts_with_failing_step(scripts, tmp_path)

    with pytest.raises(StoreError) as raised:
        open_with_migrations(store_path, broken)

    [backup] = list_backups(store_path)
    message = str(raised.value)
    assert "the injected step failed" in message
    assert "restored the backup" in message and str(backup.path) in message
    assert read_back(store_path, written) == written
    store = open_store(store_path)  # the shipped code still opens it, at its old revision
    try:
        with store.read() as session:
            columns = session.execute(text("PRAGMA table_info(residents)")).all()
            assert "nickname" not in {row[1] for row in columns}
            assert current_revision(session.connection()) == HEAD
    finally:
        store.close()


def test_backups_rotate_keeping_the_newest_three(store_path: Path, scripts: Path) -> None:
    taken = []
    for _ in range(4):
        store_path.unlink(missing_ok=True)
        build_at(store_path, scripts, REVISIONS[0])
        fill(store_path)
        open_store(store_path).close()
        taken.append(list_backups(store_path)[0].path)
    kept = [backup.path for backup in list_backups(store_path)]
    assert kept == list(reversed(taken[1:]))
    assert not taken[0].exists()
    assert not list(kept[0].parent.glob("*.tmp")), "no half-written backup is left behind"
