"""Times in the store: UTC text in SQLAlchemy's SQLite format, handed back aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import StatementError

from kiosk.store.database import Store
from kiosk.store.models import SyncCursor

TIMES = [
    datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    datetime(2026, 11, 23, 8, 0, 0, 7, tzinfo=UTC),
    datetime(2026, 11, 23, 3, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5))),
    datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", TIMES)
def test_a_time_is_stored_as_sqlalchemys_utc_text_and_read_back_aware(
    store: Store, moment: datetime
) -> None:
    with store.write() as session:
        session.add(SyncCursor(scope="s", cursor="1", updated_at=moment))
    with store.read() as session:
        stored = session.scalar(text("SELECT updated_at FROM sync_cursor"))
        read = session.scalar(select(SyncCursor.updated_at))
    # The text SQLAlchemy's own SQLite DATETIME writes: rows stored before and after
    # compare and sort as one (a thread orders by these strings).
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    assert stored == sqlite.DATETIME().bind_processor(sqlite.dialect())(utc)  # type: ignore[no-untyped-call, misc]
    assert read == moment and read.tzinfo is UTC


def test_a_time_without_a_zone_is_refused(store: Store) -> None:
    with pytest.raises(StatementError, match="naive datetime"), store.write() as session:
        session.add(SyncCursor(scope="s", cursor="1", updated_at=datetime(2026, 11, 23, 8, 0)))
        session.flush()


def test_a_query_bound_time_compares_with_stored_ones(store: Store) -> None:
    with store.write() as session:
        for n, moment in enumerate(TIMES):
            session.add(SyncCursor(scope=f"s{n}", cursor="1", updated_at=moment))
    cut = datetime(2026, 11, 23, 8, 0, 0, 7, tzinfo=UTC)
    with store.read() as session:
        before = session.scalars(
            select(SyncCursor.scope).where(SyncCursor.updated_at < cut).order_by(SyncCursor.scope)
        ).all()
    assert before == ["s0", "s3"]
