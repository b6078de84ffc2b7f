"""Applying the server's change feed: idempotent, a page whole or not at all, nothing lost."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk import audit, feed
from kiosk.core import Core
from kiosk.errors import Refusal, ServerDataError
from kiosk.store.models import (
    AuditEvent,
    Hold,
    LedgerEntry,
    Message,
    OutboxItem,
    Resident,
)

from .conftest import World


def test_same_page_applied_twice_changes_nothing(world: World) -> None:
    data = world.inbound_data(body="only once", message_id="m-once")
    assert world.feed(("message", data)) == 1
    assert world.feed(("message", data), ("contact", _contact_data())) == 0
    with world.store.read() as db:
        assert db.scalar(select(func.count()).select_from(Message)) == 1


def _contact_data() -> dict[str, Any]:
    return {
        "contact_id": "c1",
        "resident_id": "r1",
        "display_name": "Maria",
        "relationship": "sister",
        "state": "approved",
        "accepts_cod": False,
    }


def test_a_page_repeating_a_message_stores_it_once_beside_the_new_ones(world: World) -> None:
    held = world.inbound_data(body="already here", message_id="m-held")
    world.feed(("message", held))
    fresh = world.inbound_data(body="new", message_id="m-new", return_stamp=True)
    # The feed may carry a message again, even twice in one page: each is kept once.
    assert world.feed(("message", held), ("message", fresh), ("message", fresh)) == 1
    with world.store.read() as db:
        rows = db.execute(
            select(Message.server_id, Message.body, Message.has_return_stamp).order_by(Message.id)
        ).all()
    assert [tuple(r) for r in rows] == [("m-held", "already here", False), ("m-new", "new", True)]


def test_a_bad_change_rolls_back_the_whole_page_and_keeps_the_cursor(world: World) -> None:
    before = feed.current_cursor(world.store)
    good = world.inbound_data(body="good")
    bad = world.inbound_data(contact_id="nobody")
    with pytest.raises(ServerDataError, match="nobody"):
        world.feed(("message", good), ("message", bad))
    assert feed.current_cursor(world.store) == before
    with world.store.read() as db:
        assert db.scalar(select(func.count()).select_from(Message)) == 0


def test_wipe_removes_every_residents_data_and_unsent_items(world: World) -> None:
    world.ledger(3)
    world.inbound()
    core = world.signed_in()
    core.save_draft("c1", None, "private words")
    core.send_reply("c1", None, "unsent words")
    core.end_session("sign_out")
    world.feed(("device_command", {"command": "revoke"}))
    with world.store.read() as db:
        for model in (Resident, Message, Hold, LedgerEntry):
            assert db.scalar(select(func.count()).select_from(model)) == 0
        pending = list(db.scalars(select(OutboxItem)))
        assert [i.kind for i in pending] == ["audit"]
        assert pending[0].payload["action"] == "device_wiped"
        assert db.scalars(select(AuditEvent)).one().details == {
            "command": "revoke",
            "dropped_outbox": 1 + 3,  # the reply, and the audit items of sign-in/reply/sign-out
        }
        assert audit.verify_chain(db).ok
    fresh = Core(world.store, world.settings, world.clock, world.directory)
    world.directory.online = False
    with pytest.raises(Refusal, match="offline_unknown_resident"):
        fresh.sign_in("A1001", "2468")


def _queued(db: Session) -> int:
    """Outbox items other than the audit trail (signing in audits)."""
    return int(
        db.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.kind != "audit"))
        or 0
    )


def test_message_read_on_another_kiosk_reads_as_read_here_without_queuing(world: World) -> None:
    server_id = world.inbound()
    read_at = world.clock()
    change = {"message_id": server_id, "resident_id": "r1", "read_at": read_at.isoformat()}
    assert world.feed(("message_read", change)) == 1
    assert world.feed(("message_read", change)) == 0
    core = world.signed_in()
    [shown] = core.inbox_page().messages
    assert core.message(shown.message_id).read_at == read_at
    with world.store.read() as db:
        assert _queued(db) == 0
