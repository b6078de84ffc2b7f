"""Looking at a database file without changing it: is it SQLite, is it intact, which revision.

Everything here opens the file read-only (``mode=ro``), so a file Kite refuses
is left exactly as it was found. A read-only open of a WAL database makes
SQLite create empty ``-wal``/``-shm`` companions; those that were not there
before are removed again.

An encrypted store (SQLCipher) has no SQLite header: it is read with the
device's key, and a file that key cannot read is :class:`NotReadableWithKey`.
A plain file is read as it is, key or not (:func:`inspect` says which it was).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from kiosk.store import cipher
from kiosk.store.cipher import dbapi

SQLITE_HEADER = b"SQLite format 3\x00"
SIDECARS = ("-wal", "-shm", "-journal")


class NotSQLite(Exception):
    """The file is not an SQLite database at all (a foreign file)."""


class NotReadableWithKey(NotSQLite):
    """Not plain SQLite, and this device's key does not open it: encrypted with another
    key (a store copied from another terminal, a lost credential), or a foreign file."""


class Damaged(Exception):
    """The file is SQLite but damaged; the text says what SQLite found."""


@dataclass(frozen=True)
class Inspection:
    """What a read-only look found: the Alembic revision and whether tables exist."""

    revision: str | None
    has_tables: bool
    encrypted: bool = False


def sidecars(path: Path) -> list[Path]:
    """The companion files SQLite may keep beside ``path``."""
    return [path.with_name(path.name + suffix) for suffix in SIDECARS]


def is_blank(path: Path) -> bool:
    """True when there is no database yet (no file, or an empty one SQLite would initialise)."""
    return not path.exists() or path.stat().st_size == 0


def has_sqlite_header(path: Path) -> bool:
    """True when the file starts with SQLite's 16-byte magic string."""
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER


@contextmanager
def read_only(path: Path, key: bytes | None = None) -> Iterator[dbapi.Connection]:
    """A read-only connection to ``path`` that leaves no new files behind."""
    existing = {p for p in sidecars(path) if p.exists()}
    connection = cipher.connect(f"{path.resolve().as_uri()}?mode=ro", key, uri=True)
    try:
        with closing(connection):
            yield connection
    finally:
        for leftover in sidecars(path):
            if leftover not in existing and leftover.exists() and _removable(leftover):
                leftover.unlink(missing_ok=True)


def _removable(sidecar: Path) -> bool:
    # An empty WAL holds nothing; -shm is only an index of the WAL.
    return sidecar.name.endswith("-shm") or sidecar.stat().st_size == 0


def inspect(
    path: Path,
    key: bytes | None = None,
    *,
    integrity: bool = True,
    skip: frozenset[str] = frozenset(),
    thorough: bool = False,
) -> Inspection:
    """Read the revision of an existing, non-empty file; raise NotSQLite or Damaged.

    With ``integrity``, ``PRAGMA quick_check`` runs first: over the whole file
    (every page; O(file size)), or, when ``skip`` names tables, table by table
    over all the others and their indexes. ``thorough`` runs ``integrity_check``
    over the whole file instead (also matches every index against its table:
    slower, for ``kite-admin doctor``).

    ``key`` reads an encrypted file; a plain one is read without it.
    """
    plain = has_sqlite_header(path)
    if not plain and key is None:
        raise NotSQLite(str(path))
    try:
        with read_only(path, None if plain else key) as connection:
            tables = {
                str(row[0])
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if integrity:
                _quick_check(connection, sorted(tables - skip) if skip else None, thorough)
            revision = None
            if "alembic_version" in tables:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = None if row is None else str(row[0])
    except dbapi.OperationalError:
        raise  # locked, unreadable, out of memory: not a verdict on the file's content
    except dbapi.DatabaseError as exc:
        text = str(exc)
        if "not a database" in text:
            raise (NotSQLite if plain else NotReadableWithKey)(str(path)) from exc
        raise Damaged(text) from exc
    return Inspection(
        revision=revision, has_tables=bool(tables - {"alembic_version"}), encrypted=not plain
    )


def _quick_check(
    connection: dbapi.Connection, tables: list[str] | None, thorough: bool = False
) -> None:
    statements = (
        ["PRAGMA integrity_check" if thorough else "PRAGMA quick_check"]
        if tables is None
        else [f'PRAGMA quick_check("{name}")' for name in tables if '"' not in name]
    )
    problems: list[str] = []
    for statement in statements:
        rows = connection.execute(statement).fetchall()
        problems += [str(row[0]) for row in rows if row[0] != "ok"]
    if problems:
        raise Damaged("; ".join(problems[:3]))
