"""Engines and transactions: SQLite (one file, WAL) by default, PostgreSQL by URL.

Writes go through :func:`write_session`. On SQLite it opens ``BEGIN IMMEDIATE``
so two writers queue on the database lock instead of failing to upgrade a read
lock; on PostgreSQL it is an ordinary transaction whose row locks
(``SELECT ... FOR UPDATE``, conditional ``UPDATE``) do the same job.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

# Modules whose tables are part of the schema: imported so create_all makes them.
from sync.server import (  # noqa: F401
    device_health,
    device_refusals,
    signin_models,
)
from sync.server.models import Base, FeedHead

BUSY_TIMEOUT_MS = 30_000


def rowcount(result: Any) -> int:
    """Rows an UPDATE matched (``Session.execute`` is typed as returning a plain Result)."""
    return int(result.rowcount)


_HELD = "held_objects"
ADDED = "objects_added"  # how many objects a write session has added (a change detector)

T = TypeVar("T")


def held(session: Session, model: type[T], key: str) -> T | None:
    """``session.get``, keeping the object for the rest of the session.

    The identity map holds objects weakly: one looked up per item of a push batch
    (the resident, the contact) would be dropped and read again for every item.
    """
    found = session.get(model, key)
    if found is not None:
        session.info.setdefault(_HELD, {})[(model, key)] = found
    return found


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings this server relies on."""
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **({} if in_memory else {"pool_size": 20, "max_overflow": 20}),
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
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
    return create_engine(url, pool_size=20, max_overflow=30, pool_pre_ping=True)


class OutdatedSchema(RuntimeError):
    """The database was made by an older server whose tables this one cannot use."""


#: Columns added to existing tables since the first release: (table, column, SQL type).
_ADDED_COLUMNS = (
    ("messages", "written_at", "TIMESTAMP"),
    ("contacts", "state_reason", "VARCHAR(500)"),
)


def create_schema(engine: Engine) -> None:
    """Create every table that is missing, and the feed head row.

    There is no migration of the server's database: ``create_all`` adds missing
    tables but never changes existing ones, save adding the nullable columns of
    ``_ADDED_COLUMNS`` (``messages.written_at``, 1.6; ``contacts.state_reason``, 1.8).
    A database made before tenancy (family accounts without a facility, one global
    namespace of housing units) is refused with :class:`OutdatedSchema` rather than
    half-used.
    """
    Base.metadata.create_all(engine)
    # The columns added since (nullable, so no backfill): 1.6 and 1.8.
    for table, column, kind in _ADDED_COLUMNS:
        if column not in {c["name"] for c in inspect(engine).get_columns(table)}:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))
    columns = {c["name"] for c in inspect(engine).get_columns("family_accounts")}
    if "facility_id" not in columns:
        raise OutdatedSchema(
            "this database predates per-facility tenancy (family accounts have no facility); "
            "export what it holds and seed a new database"
        )
    with Session(engine) as session, session.begin():
        if session.get(FeedHead, 1) is None:
            session.add(FeedHead(id=1, seq=0))


class Database:
    """An engine plus the session factories for reads and writes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(kite_write=True), expire_on_commit=False
        )
        #: Called after each commit that published changes, with their audiences.
        self.after_publish: list[Callable[[frozenset[str]], None]] = []

        @event.listens_for(self._write_sessions, "after_commit")
        def _after_commit(session: Session) -> None:
            audiences = frozenset(session.info.pop("published_to", ()))
            if session.info.pop("published", False):
                for callback in self.after_publish:
                    callback(audiences)

        @event.listens_for(self._write_sessions, "transient_to_pending")
        def _count_added(session: Session, instance: object) -> None:
            session.info[ADDED] = session.info.get(ADDED, 0) + 1

        @event.listens_for(self._write_sessions, "after_transaction_end")
        def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
            # Only when the whole transaction ends (after its commit hook ran): a
            # savepoint rolled back inside a batch must not drop the batch's wake-up.
            # Everything kept in session.info (the feed head held, residents locked,
            # objects kept alive, caches of a batch) is the transaction's own.
            if transaction.parent is None:
                session.info.clear()

    def create_schema(self) -> None:
        create_schema(self.engine)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any exception."""
        with self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only transaction (a consistent snapshot on SQLite)."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
