"""Bulk inserts (kiosk.store.bulk): one statement, typed values, held rows skipped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kiosk.store import bulk
from kiosk.store.database import Store
from kiosk.store.models import Contact, ContactState, Direction, Message, Resident

MESSAGES = Message.metadata.tables[Message.__tablename__]
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
SAME = {"direction": Direction.INBOUND, "return_stamp_used": False, "hidden": False}


@pytest.fixture
def seeded(store: Store) -> Store:
    with store.write() as session:
        session.add(
            Resident(
                id="r1",
                facility_number="A1001",
                display_name="Alex",
                housing_unit="u",
                updated_at=NOW,
            )
        )
        session.flush()
        session.add(
            Contact(
                id="c1",
                resident_id="r1",
                display_name="Rosa",
                relationship_label="",
                state=ContactState.APPROVED,
                accepts_cod=False,
                updated_at=NOW,
            )
        )
    return store


def _columns(ids: list[str], **overrides: list[object]) -> dict[str, list[object]]:
    columns: dict[str, list[object]] = {
        "server_id": list(ids),
        "resident_id": ["r1"] * len(ids),
        "contact_id": ["c1"] * len(ids),
        "body": [f"body of {i}" for i in ids],
        "media": [[] for _ in ids],
        "sort_at": [NOW] * len(ids),
        "has_return_stamp": [False] * len(ids),
        "stamps_cost": [0] * len(ids),
    }
    columns.update(overrides)
    return columns


def test_rows_go_in_with_their_types_converted(seeded: Store) -> None:
    later = datetime(2026, 11, 23, 18, 30, tzinfo=timezone(timedelta(hours=2)))
    media = [{"kind": "photo", "id": "p1", "caption": "park"}]
    with seeded.write() as session:
        count = bulk.insert_new(
            session,
            MESSAGES,
            _columns(["a", "b"], sort_at=[NOW, later], media=[[], media]),
            same=SAME,
            unique="server_id",
        )
    assert count == 2
    with seeded.read() as session:
        a, b = session.scalars(select(Message).order_by(Message.server_id)).all()
    assert (a.direction, a.hidden, a.media, a.sort_at) == (Direction.INBOUND, False, [], NOW)
    assert b.media == media
    assert b.sort_at == datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # stored in UTC


def test_rows_already_held_or_repeated_are_skipped_and_not_counted(seeded: Store) -> None:
    with seeded.write() as session:
        bulk.insert_new(session, MESSAGES, _columns(["a"]), same=SAME, unique="server_id")
    with seeded.write() as session:
        count = bulk.insert_new(
            session,
            MESSAGES,
            _columns(["a", "b", "b"], body=["changed", "first", "second"]),
            same=SAME,
            unique="server_id",
        )
    assert count == 1
    with seeded.read() as session:
        rows = session.execute(select(Message.server_id, Message.body).order_by(Message.id))
        assert [tuple(r) for r in rows] == [("a", "body of a"), ("b", "first")]


def test_a_row_breaking_another_constraint_fails_the_whole_statement(seeded: Store) -> None:
    with pytest.raises(IntegrityError), seeded.write() as session:
        bulk.insert_new(
            session,
            MESSAGES,
            _columns(["a", "b"], stamps_cost=[0, -1]),  # CHECK stamps_cost >= 0
            same=SAME,
            unique="server_id",
        )
    with seeded.read() as session:
        assert session.scalars(select(Message)).all() == []


def test_columns_of_different_lengths_are_refused(seeded: Store) -> None:
    with pytest.raises(ValueError, match="different lengths"), seeded.write() as session:
        bulk.insert_new(
            session, MESSAGES, _columns(["a", "b"], body=["one"]), same=SAME, unique="server_id"
        )


def test_a_column_nobody_gave_is_named() -> None:
    from sqlalchemy.dialects import sqlite

    with pytest.raises(RuntimeError, match="needs parameters"):
        bulk._statement(MESSAGES, ("server_id",), (), "server_id", sqlite.dialect())


def test_chunks_cover_every_value_once() -> None:
    values = [str(i) for i in range(1201)]
    parts = list(bulk.chunks(values))
    assert [len(p) for p in parts] == [500, 500, 201]
    assert [v for p in parts for v in p] == values
