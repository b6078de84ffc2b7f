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

from sync.protocol import PushRequest, SendMessagePayload
from sync.server import push
from sync.server.auth import DeviceIdentity
from sync.server.db import Database
from sync.server.errors import Rejection
from sync.server.ledger import book, lock_resident
from sync.server.models import Dedupe, FeedRow, LedgerEntry, Resident
from sync.server.seed import FACILITY_ID, UNITS, seed_demo
from tests.server.live import item, message


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
    request = PushRequest.model_validate(
        {"items": [item("send_message", 1, message("res-alex", "con-alex-mom"))]}
    )
    before = _counts(db)
    with pytest.raises(RuntimeError, match="wrote before refusing"):
        push.push(db, device, request)
    assert _counts(db) == before
