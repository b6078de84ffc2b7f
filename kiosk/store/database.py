"""Opening the SQLite store with the settings that make commits durable.

- WAL journal and ``synchronous=FULL``: a committed purchase survives a power cut.
- Foreign keys on.
- SQLCipher's build of SQLite (:mod:`kiosk.store.cipher`), keyed when the
  terminal has a store key: the file on disk is then encrypted.
- Explicit ``BEGIN``: Python's sqlite3 defers it, which breaks SAVEPOINT and
  read consistency; SQLAlchemy documents the recipe used here
  (pysqlite "Serializable isolation / Savepoints / Transactional DDL").
- One writer at a time: :meth:`Store.write` takes a process-wide lock and
  starts ``BEGIN IMMEDIATE``, so two writers never deadlock on lock upgrade.
- A committed transaction that added an outbox row tells the store's outbox
  listeners (the sync worker wakes and pushes it), so no caller has to.
"""

from __future__ import annotations

import errno
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import OperatorError
from kiosk.store import cipher
from kiosk.store.cipher import dbapi

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000

_OUTBOX_ADDED = "kite_outbox_added"  # a key of Session.info


class StoreError(OperatorError):
    """The local database cannot be used as it is; the message says what to do."""


def make_engine(path: Path, key: bytes | None = None) -> Engine:
    """An engine on ``path`` with durable, explicit-transaction SQLite settings.

    With ``key``, every connection is keyed before its first statement (SQLCipher).
    """

    def _connect() -> dbapi.Connection:
        return cipher.connect(path, key, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)

    engine = create_engine(
        f"sqlite:///{path}",
        module=dbapi,  # SQLAlchemy then knows this driver's exceptions as its own
        creator=_connect,
        json_serializer=_json_text,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: dbapi.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("kite_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def _json_text(value: Any) -> str:
    """JSON columns' text. Most inbound messages carry no media: their ``[]`` is written
    without a trip through ``json.dumps`` (a backlog has 10,000 of them)."""
    if type(value) is list and not value:
        return "[]"
    return json.dumps(value)


def translate_operational_error(
    exc: DatabaseError | dbapi.Error | OSError, path: Path
) -> StoreError:
    """Turn SQLite or file-system failures into errors an operator can act on."""
    if isinstance(exc, OSError):
        text = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            text = "database or disk is full"
        elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            text = f"readonly ({text})"
    elif isinstance(exc, DatabaseError):
        text = str(exc.orig) if exc.orig is not None else str(exc)
    else:
        text = str(exc)
    if "disk is full" in text or "SQLITE_FULL" in text:
        return StoreError(
            f"The disk holding {path} is full. Nothing was lost: the last change was not "
            "saved and will be retried. Free space on that disk, then restart Kite."
        )
    if "not a database" in text or "malformed" in text:
        return StoreError(
            f"{path} is not a readable Kite database ({text}). Kite has not changed it. "
            "Restore a backup with 'kite-admin restore-backup' or call facility IT."
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(f"{path} is read-only for this user. Check its owner and permissions.")
    return StoreError(f"The local database {path} failed: {text}.")


def _is_failure_of_the_file(exc: DatabaseError) -> bool:
    # Disk, locking and damage failures; a refused constraint (IntegrityError) is
    # the caller's to handle. SQLite reports damage as the base DatabaseError.
    return isinstance(exc, OperationalError) or type(exc.orig) is dbapi.DatabaseError


def note_outbox_added(session: Session) -> None:
    """The transaction of ``session`` adds an outbox row: tell the listeners once it commits."""
    session.info[_OUTBOX_ADDED] = True


class Store:
    """The terminal's database: short read sessions and serialized write sessions."""

    def __init__(self, path: Path, engine: Engine | None = None, key: bytes | None = None) -> None:
        self.path = path
        self.key = key  # None: a plain file (tests, benchmarks); the kiosk's store has one
        self.engine = engine or make_engine(path, key)
        self._write_lock = threading.RLock()
        self._reads = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._writes = sessionmaker(
            bind=self.engine.execution_options(kite_write=True), expire_on_commit=False
        )
        self._outbox_listeners: list[Callable[[], None]] = []

    def add_outbox_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after each commit that added an outbox row (on that thread)."""
        self._outbox_listeners.append(listener)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A consistent snapshot for queries; nothing is written."""
        with self._reads() as session:
            try:
                with session.begin():
                    yield session
            except DatabaseError as exc:
                if _is_failure_of_the_file(exc):
                    raise translate_operational_error(exc, self.path) from exc
                raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction; commits on success, rolls back on any exception."""
        with self._write_lock, self._writes() as session:
            try:
                with session.begin():
                    yield session
            except DatabaseError as exc:
                if _is_failure_of_the_file(exc):
                    raise translate_operational_error(exc, self.path) from exc
                raise
            outbox_added = session.info.pop(_OUTBOX_ADDED, False)
        if outbox_added:
            for listener in list(self._outbox_listeners):
                try:
                    listener()
                except Exception:  # the commit stands; a listener's bug must not undo it
                    log.exception("outbox listener failed")

    def close(self) -> None:
        self.engine.dispose()
