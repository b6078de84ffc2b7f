"""What is committed stays committed: durable settings on, kills survive, writers never deadlock."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from kiosk.store import Store, StoreError, open_store
from kiosk.store.models import Contact, ContactState, Resident

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def test_every_connection_runs_wal_full_sync_and_foreign_keys(store: Store) -> None:
    with store.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), store.write() as session:
        session.add(
            Contact(
                id="c-1",
                resident_id="nobody",
                display_name="Maria",
                state=ContactState.APPROVED,
                updated_at=NOW,
            )
        )


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from kiosk.store import open_store
    from kiosk.store.models import Resident

    store = open_store(Path(sys.argv[1]))
    for n in range(100_000):
        with store.write() as session:
            session.add(Resident(id=f"r-{n}", facility_number=f"A-{n}",
                                 display_name="Dana", updated_at=datetime.now(UTC)))
        print(n, flush=True)  # only after the commit returned
    """
)


def test_a_committed_write_survives_the_process_being_killed(store_path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert writer.stdout is not None
    acknowledged = [int(writer.stdout.readline()) for _ in range(25)]
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL

    store = open_store(store_path)
    try:
        with store.read() as session:
            present = set(session.scalars(select(Resident.id)))
    finally:
        store.close()
    assert {f"r-{n}" for n in acknowledged} <= present


@pytest.mark.parametrize("stores", ["one store", "two stores on one file"])
def test_two_writer_threads_both_commit_without_deadlock(store_path: Path, stores: str) -> None:
    first = open_store(store_path)
    second = first if stores == "one store" else open_store(store_path)
    with first.write() as session:
        session.add(Resident(id="r-1", facility_number="A-1", display_name="Dana", updated_at=NOW))
    rounds = 40
    failures: list[BaseException] = []

    def bump(store: Store) -> None:
        try:
            for _ in range(rounds):
                with store.write() as session:  # read-modify-write: a lost update would show
                    resident = session.get(Resident, "r-1")
                    assert resident is not None
                    resident.failed_attempts += 1
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=bump, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
        assert failures == []
        with first.read() as session:
            assert session.get(Resident, "r-1").failed_attempts == 2 * rounds  # type: ignore[union-attr]
    finally:
        first.close()
        second.close()


def test_a_full_disk_is_reported_plainly_and_keeps_what_was_saved(store: Store) -> None:
    with store.write() as session:
        session.add(Resident(id="r-1", facility_number="A-1", display_name="Dana", updated_at=NOW))
    store.engine.dispose()

    # SQLite's page limit fails a write exactly as a full disk does (SQLITE_FULL).
    @event.listens_for(store.engine, "connect")
    def _no_room(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    with pytest.raises(StoreError, match="is full") as raised, store.write() as session:
        for n in range(2, 200):
            session.add(
                Resident(
                    id=f"r-{n}", facility_number=f"A-{n}", display_name="D" * 120, updated_at=NOW
                )
            )
    assert str(store.path) in str(raised.value)
    with store.read() as session:
        assert session.scalars(select(Resident.id)).all() == ["r-1"]
