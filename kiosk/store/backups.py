"""Rotating copies of the database in ``backups/`` beside it, and putting one back.

A backup is taken with SQLite's online backup API (a consistent copy, WAL
included), written to a temporary name, fsynced, then renamed into place and
the folder fsynced: a power cut leaves either the old set of backups or the
new one, never a half-written file under a backup's name.

Names sort by time: ``<stem>-<UTC time>-r<revision>.db``, e.g.
``kite-20261123T074025123456Z-r0001.db``.

A backup of an encrypted store is encrypted with the same key (the backup API
copies through two keyed connections); ``key`` is the store's key or None.
"""

from __future__ import annotations

import os
import re
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.clock import Clock, utcnow
from kiosk.store import checks, cipher
from kiosk.store.cipher import dbapi
from kiosk.store.database import StoreError

KEEP = 3
FOLDER = "backups"
_STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class Backup:
    """One backup file: where it is, when it was taken, the schema revision it holds."""

    path: Path
    taken_at: datetime
    revision: str


def backup_dir(path: Path) -> Path:
    """The folder holding the backups of the database at ``path``."""
    return path.parent / FOLDER


def _pattern(path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(path.stem)}-(\d{{8}}T\d{{12}}Z)-r([\w-]+)\.db$")


def list_backups(path: Path) -> list[Backup]:
    """The backups of the database at ``path``, newest first."""
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    pattern = _pattern(path)
    found = []
    for candidate in folder.iterdir():
        match = pattern.match(candidate.name)
        if match and candidate.is_file():
            taken_at = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
            found.append(Backup(path=candidate, taken_at=taken_at, revision=match.group(2)))
    return sorted(found, key=lambda backup: backup.taken_at, reverse=True)


def newest_backup(path: Path) -> Backup | None:
    """The most recent backup of ``path``, if any."""
    backups = list_backups(path)
    return backups[0] if backups else None


def take_backup(
    path: Path,
    revision: str,
    *,
    keep: int = KEEP,
    clock: Clock = utcnow,
    key: bytes | None = None,
) -> Backup:
    """Copy the database durably into ``backups/`` and keep only the newest ``keep``."""
    folder = backup_dir(path)
    folder.mkdir(exist_ok=True)
    taken_at = clock()
    target = folder / f"{path.stem}-{taken_at.strftime(_STAMP)}-r{revision}.db"
    _copy_durably(path, target, key)
    for old in list_backups(path)[keep:]:
        old.path.unlink(missing_ok=True)
    _fsync_dir(folder)
    return Backup(path=target, taken_at=taken_at, revision=revision)


def back_up_as_is(path: Path, key: bytes | None = None) -> Backup | None:
    """A backup of the database as it stands (before an update), None when there is none.

    StoreError when it is not an intact Kite database or the copy fails: nothing changed.
    """
    if checks.is_blank(path):
        return None
    try:
        revision = checks.inspect(path, key).revision or "none"
        return take_backup(path, revision, key=None if cipher.is_plain(path) else key)
    except (checks.NotSQLite, checks.Damaged, dbapi.Error, OSError) as exc:
        raise StoreError(f"Backing up {path} failed: {exc}.") from exc


def remove_backups(path: Path) -> int:
    """Delete every backup of ``path`` (a wipe must not leave resident data in them)."""
    backups = list_backups(path)
    for backup in backups:
        backup.path.unlink(missing_ok=True)
    if backups:
        _fsync_dir(backup_dir(path))
    return len(backups)


def database_in_use(path: Path, key: bytes | None = None) -> bool:
    """True when another process holds the database open (SQLite file locks say so).

    An idle reader in WAL mode keeps a shared lock, so an exclusive-mode
    transaction that cannot start means someone else is there.
    """
    if checks.is_blank(path):
        return False
    key = None if cipher.is_plain(path) else key
    connection = cipher.connect(path, key, timeout=0, isolation_level=None)
    with closing(connection):
        try:
            connection.execute("PRAGMA locking_mode=EXCLUSIVE")
            connection.execute("BEGIN EXCLUSIVE")
            connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
            connection.execute("ROLLBACK")
        except dbapi.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
    return False


def restore_backup(path: Path, backup: Path | Backup, key: bytes | None = None) -> None:
    """Put ``backup`` back as the database at ``path`` (for IT, with Kite stopped).

    Refuses while another process has the database open, and refuses a backup
    that is not an intact SQLite database. The copy is durable before it
    replaces the database.
    """
    source = backup.path if isinstance(backup, Backup) else backup
    if not source.is_file():
        raise StoreError(f"No backup at {source}. 'kite-admin list-backups' shows the backups.")
    try:
        checks.inspect(source, key)
    except (checks.NotSQLite, checks.Damaged, dbapi.Error) as exc:
        raise StoreError(
            f"{source} is not an intact Kite database ({exc}); nothing was restored. "
            "Choose another backup."
        ) from exc
    if database_in_use(path, key):
        raise StoreError(
            f"{path} is open in another program (is Kite still running?). Nothing was "
            "restored. Stop Kite, then restore again."
        )
    replace_with_copy(path, source, None if cipher.is_plain(source) else key)


def replace_with_copy(path: Path, source: Path, key: bytes | None = None) -> None:
    """Make ``path`` a durable copy of the database ``source`` (no in-use check)."""
    staging = path.with_name(f".{path.name}.restoring")
    _copy_durably(source, staging, key)
    # A WAL left by the old file would be replayed onto the restored one.
    for sidecar in checks.sidecars(path):
        sidecar.unlink(missing_ok=True)
    os.replace(staging, path)
    _fsync_dir(path.parent)


def _copy_durably(source: Path, target: Path, key: bytes | None) -> None:
    staging = target.with_name(target.name + ".tmp")
    staging.unlink(missing_ok=True)
    try:
        with (
            closing(cipher.connect(source, key)) as src,
            closing(cipher.connect(staging, key)) as dst,
        ):
            src.backup(dst)
        with staging.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
