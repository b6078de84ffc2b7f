"""The audit chain: tamper evidence and no secrets in details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from kiosk import audit
from kiosk.store.database import Store
from kiosk.store.models import AuditEvent, OutboxItem

from .conftest import START


def _five(store: Store) -> None:
    with store.write() as db:
        for i in range(5):
            audit.record(db, "read_message", "r1", START + timedelta(seconds=i), message_id=f"m{i}")


def _without_triggers(store: Store, sql: str) -> None:
    # Tampering from outside the application: drop the store's protection first.
    with store.write() as db:
        triggers = db.execute(
            text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'audit_events'"
            )
        ).all()
        for name, _ in triggers:
            db.execute(text(f'DROP TRIGGER "{name}"'))
        db.execute(text(sql))


def test_intact_chain_verifies_and_every_event_is_queued(store: Store) -> None:
    _five(store)
    with store.read() as db:
        assert audit.verify_chain(db) == audit.ChainReport(True, 5)
        queued = [i.payload for i in db.scalars(select(OutboxItem).order_by(OutboxItem.id))]
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [q["hash"] for q in queued] == [e.hash for e in events]
    assert events[1].prev_hash == events[0].hash


def test_removed_event_is_reported_at_its_seq(store: Store) -> None:
    _five(store)
    _without_triggers(store, "DELETE FROM audit_events WHERE seq = 3")
    with store.read() as db:
        report = audit.verify_chain(db)
    assert (report.ok, report.bad_seq, report.problem) == (False, 3, "gap")


def test_edited_event_is_reported_at_its_seq(store: Store) -> None:
    _five(store)
    _without_triggers(
        store, 'UPDATE audit_events SET details = \'{"message_id": "m9"}\' WHERE seq = 2'
    )
    with store.read() as db:
        report = audit.verify_chain(db)
    assert (report.ok, report.bad_seq, report.problem) == (False, 2, "edited")


def test_reordered_events_are_reported(store: Store) -> None:
    _five(store)
    _without_triggers(store, "UPDATE audit_events SET seq = 100 WHERE seq = 2")
    _without_triggers(store, "UPDATE audit_events SET seq = 2 WHERE seq = 4")
    _without_triggers(store, "UPDATE audit_events SET seq = 4 WHERE seq = 100")
    with store.read() as db:
        report = audit.verify_chain(db)
    assert not report.ok
    assert report.bad_seq == 2


@pytest.mark.parametrize("key", ["body", "pin", "text", "message_body", "PIN_attempt"])
def test_details_naming_bodies_or_pins_are_refused(store: Store, key: str) -> None:
    with store.write() as db, pytest.raises(ValueError, match="never hold"):
        audit.record(db, "send_reply", "r1", START, **{key: "secret"})
