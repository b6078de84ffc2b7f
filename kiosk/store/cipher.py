"""The store's SQLite driver: SQLCipher's build of SQLite, keyed when the terminal has a key.

Every connection to a terminal store goes through :func:`connect` (SQLAlchemy's
engine, the read-only checks, backups), so a key set here reaches each of them.
``key=None`` opens a plain SQLite file; a 32-byte key opens an SQLCipher 4
file with that key as its raw key (``x'…'``: no passphrase derivation, so an open
costs no PBKDF2 rounds; the key is already random, from ``systemd-creds``).

:func:`encrypt_in_place` turns an existing plain store into an encrypted one
(``sqlcipher_export``), durably, and leaves the plain file untouched until the
encrypted copy is complete and verified.
"""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as dbapi

KEY_BYTES = 32
SQLITE_HEADER = b"SQLite format 3\x00"
_SIDECARS = ("-wal", "-shm", "-journal")

__all__ = ["KEY_BYTES", "connect", "dbapi", "encrypt_in_place", "is_plain"]


def _key_pragma(key: bytes) -> str:
    if len(key) != KEY_BYTES:
        raise ValueError(f"a store key is {KEY_BYTES} bytes, not {len(key)}")
    return f"PRAGMA key = \"x'{key.hex()}'\""


def key_connection(connection: Any, key: bytes | None) -> None:
    """Give a new connection its key (first statement on it); nothing when ``key`` is None."""
    # SQLCipher logs each failed page decryption to stderr; Kite reports it itself.
    connection.execute("PRAGMA cipher_log_level = NONE")
    if key is not None:
        connection.execute(_key_pragma(key))


def connect(target: str | Path, key: bytes | None, **kwargs: Any) -> dbapi.Connection:
    """A DB-API connection to ``target`` (a path, or a ``file:`` URI with ``uri=True``)."""
    connection = dbapi.connect(str(target), **kwargs)
    try:
        key_connection(connection, key)
    except BaseException:
        connection.close()
        raise
    return connection


def is_plain(path: Path) -> bool:
    """True when ``path`` is a non-empty plain SQLite file (readable without any key)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except FileNotFoundError:
        return False


def encrypt_in_place(path: Path, key: bytes) -> None:
    """Replace the plain SQLite file at ``path`` by an encrypted copy holding the same data.

    The copy is written beside it under a temporary name, fsynced and read back
    with the key before it replaces the original in one rename; a crash before
    that leaves the plain file as it was (and a stale copy that the next run
    overwrites). The plain file's WAL is checkpointed into the copy first, and
    removed with it: a WAL left behind would be replayed onto the new file.
    """
    staging = path.with_name(f".{path.name}.encrypting")
    staging.unlink(missing_ok=True)
    try:
        with closing(connect(path, None, isolation_level=None)) as plain:
            plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            version = int(plain.execute("PRAGMA user_version").fetchone()[0])
            plain.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"", (str(staging),))
            plain.execute("SELECT sqlcipher_export('encrypted')")
            plain.execute(f"PRAGMA encrypted.user_version = {version}")
            plain.execute("DETACH DATABASE encrypted")
        with closing(connect(staging, key, isolation_level=None)) as check:
            problems = [row[0] for row in check.execute("PRAGMA quick_check") if row[0] != "ok"]
            if problems:
                raise dbapi.DatabaseError(f"the encrypted copy failed its check: {problems[:3]}")
        with staging.open("rb+") as handle:
            os.fsync(handle.fileno())
        for suffix in _SIDECARS:
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
