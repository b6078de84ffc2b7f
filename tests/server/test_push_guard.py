"""A push item refused without a savepoint must not have written anything (the guard in _run).

``send_message``, ``purchase_stamps`` and ``audit`` run without a savepoint because
they refuse before writing. If a change ever broke that rule, a refused item would
leave half its effects behind with a "rejected" answer; the push refuses the whole
batch instead, and nothing of it is kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.protocol import PROTOCOL_MINOR, FateRequest, SendMessagePayload
from sync.server import push
from sync.server.auth import DeviceIdentity
from sync.server.db import Database
from sync.server.errors import Rejection
from sync.server.ledger import book, lock_resident
from sync.server.models import Dedupe, FeedRow, LedgerEntry, Resident
from sync.server.seed import FACILITY_ID, UNITS, seed_demo
from tests.server.live import item, message, purchase
from tests.server.proving import proved_in_process


@pytest.fixture
def db(tmp_path: Path) -> Any:
    database = Database(f"sqlite:///{tmp_path / 'central.db'}")
    seed_demo(database, device_id="dev-guard", enroll_code="guard-code-1234", auto_approve=True)
    yield database
    database.dispose()


def _counts(db: Database) -> tuple[int, int, int, int]:
    with db.read() as session:
        resident = session.get(Resident, "res-alex")
        assert resident is not None
        return (
            resident.stamps,
            session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
            session.scalar(select(func.count()).select_from(FeedRow)) or 0,
            session.scalar(select(func.count()).select_from(Dedupe)) or 0,
        )


def test_a_handler_that_spends_then_refuses_fails_the_batch_and_keeps_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def spend_then_refuse(
        session: Session, device: DeviceIdentity, payload: SendMessagePayload
    ) -> None:
        resident = lock_resident(session, payload.resident_id)
        assert resident is not None
        book(session, resident, "spend", stamps=-1, memo="message")
        raise Rejection("contact_blocked", contact_id=payload.contact_id)

    monkeypatch.setitem(push.HANDLERS, "send_message", spend_then_refuse)
    device = DeviceIdentity("dev-guard", FACILITY_ID, UNITS)
    request = proved_in_process(
        db, "dev-guard", [item("send_message", 1, message("res-alex", "con-alex-mom"))]
    )
    before = _counts(db)
    with pytest.raises(RuntimeError, match="wrote before refusing"):
        push.push(db, device, request)
    assert _counts(db) == before


def test_a_bug_on_one_item_keeps_the_effect_of_the_items_before_it_and_stores_nothing_after(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that fails whole is applied again item by item: a bug on one item fails the
    request at that item, the items before it keep their effect (a retry gets their stored
    answers), and nothing after it is applied (it would overtake the failing item)."""
    real = push.HANDLERS["purchase_stamps"]

    def broken_for_two(session: Session, device: DeviceIdentity, payload: Any) -> Any:
        if payload.quantity == 2:
            raise ValueError("a bug on this item")
        return real(session, device, payload)

    monkeypatch.setitem(push.HANDLERS, "purchase_stamps", broken_for_two)
    device = DeviceIdentity("dev-guard", FACILITY_ID, UNITS)
    first = item("purchase_stamps", 1, purchase("res-alex", "stamp-1", 1, 50))
    broken = item("purchase_stamps", 2, {**purchase("res-alex", "stamp-1", 1, 50), "quantity": 2})
    after = item("purchase_stamps", 3, purchase("res-alex", "stamp-1", 1, 50))
    request = proved_in_process(db, "dev-guard", [first, broken, after])
    stamps_before = _counts(db)[0]
    with pytest.raises(ValueError, match="a bug on this item"):
        push.push(db, device, request)
    assert _counts(db)[0] == stamps_before + 1  # the first purchase only
    with db.read() as session:
        stored = set(session.scalars(select(Dedupe.key)))
    assert first["idempotency_key"] in stored
    assert not {broken["idempotency_key"], after["idempotency_key"]} & stored
    fates = push.fate(
        db,
        device,
        FateRequest(idempotency_keys=[first["idempotency_key"], broken["idempotency_key"]]),
        PROTOCOL_MINOR,
    ).fates
    assert [f.fate for f in fates] == ["stored", "unknown"]
