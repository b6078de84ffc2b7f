"""Reading: conversations with unread counts, keyset-paged inbox and threads, read, hide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from kiosk.errors import Refusal
from kiosk.store.models import Message, OutboxItem
from kiosk.views import PageCursor

from .conftest import World


def _fill(world: World, count: int, contact_id: str = "c1") -> None:
    base = world.clock()
    world.feed(
        *[
            (
                "message",
                world.inbound_data(
                    contact_id=contact_id,
                    body=f"message {i}",
                    at=base - timedelta(minutes=count - i),
                ),
            )
            for i in range(count)
        ]
    )


def test_conversations_show_unread_count_and_newest_message(world: World) -> None:
    world.contact("c2", name="Beto")
    _fill(world, 3, "c1")
    world.clock.advance(60)
    world.inbound(contact_id="c2", body="newest")
    core = world.signed_in()
    rows = core.conversations()
    assert [(r.contact.contact_id, r.unread) for r in rows] == [("c2", 1), ("c1", 3)]
    assert rows[0].last_message is not None and rows[0].last_message.body == "newest"
    first = core.thread_page("c1").messages[0]
    core.mark_read(first.message_id)
    assert [r.unread for r in core.conversations()] == [1, 2]


def test_inbox_pages_walk_every_message_once_newest_first(world: World) -> None:
    _fill(world, 23)
    core = world.signed_in()
    seen: list[str] = []
    cursor: PageCursor | None = None
    while True:
        page = core.inbox_page(cursor, limit=10)
        seen += [m.body for m in page.messages]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"message {i}" for i in reversed(range(23))]


def test_messages_with_the_same_time_are_neither_lost_nor_repeated(world: World) -> None:
    at = world.clock()
    world.feed(*[("message", world.inbound_data(body=f"tie {i}", at=at)) for i in range(7)])
    core = world.signed_in()
    first = core.thread_page("c1", limit=3)
    second = core.thread_page("c1", first.next_cursor, limit=3)
    third = core.thread_page("c1", second.next_cursor, limit=3)
    bodies = [m.body for p in (first, second, third) for m in p.messages]
    assert sorted(bodies) == sorted(f"tie {i}" for i in range(7))
    assert third.next_cursor is None


def test_paging_queries_use_the_indexes_not_offsets(world: World) -> None:
    _fill(world, 5)
    with world.store.read() as db:
        plan = " ".join(
            str(row[-1])
            for row in db.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT * FROM messages WHERE resident_id = 'r1' "
                    "AND hidden = 0 AND (sort_at, id) < ('2030-01-01', 1) "
                    "ORDER BY sort_at DESC, id DESC LIMIT 51"
                )
            )
        )
    assert "ix_messages_inbox" in plan
    assert "TEMP B-TREE" not in plan


def test_marking_read_is_queued_once(world: World) -> None:
    server_id = world.inbound()
    core = world.signed_in()
    message = core.inbox_page().messages[0]
    read = core.mark_read(message.message_id)
    core.mark_read(message.message_id)
    assert read.read_at == world.clock()
    with world.store.read() as db:
        items = list(db.scalars(select(OutboxItem).where(OutboxItem.kind == "mark_read")))
    assert [i.payload["message_id"] for i in items] == [server_id]


def test_hidden_message_leaves_every_view_and_is_queued(world: World) -> None:
    server_id = world.inbound(body="hide me")
    world.inbound(body="keep me")
    core = world.signed_in()
    target = next(m for m in core.inbox_page().messages if m.body == "hide me")
    core.hide_message(target.message_id)
    assert [m.body for m in core.inbox_page().messages] == ["keep me"]
    assert [m.body for m in core.thread_page("c1").messages] == ["keep me"]
    with world.store.read() as db:
        item = db.scalars(select(OutboxItem).where(OutboxItem.kind == "hide_message")).one()
        assert item.payload["message_id"] == server_id
        assert db.scalars(select(Message).where(Message.server_id == server_id)).one().hidden


def test_outbound_reply_shows_its_status_timeline(world: World) -> None:
    world.ledger(1)
    core = world.signed_in()
    sent = core.send_reply("c1", None, "On its way")
    world.clock.advance(5)
    world.feed(
        (
            "message_status",
            {
                "message_id": "s1",
                "client_id": None,
                "resident_id": "r1",
                "status": "pending_review",
                "reason": None,
                "at": world.clock().isoformat(),
            },
        )
    )
    # The server id is unknown locally until the push result: matched by client id instead.
    with world.store.read() as db:
        client_id = db.get(Message, sent.message.message_id).client_id  # type: ignore[union-attr]
    world.feed(
        (
            "message_status",
            {
                "message_id": "s1",
                "client_id": client_id,
                "resident_id": "r1",
                "status": "pending_review",
                "reason": None,
                "at": world.clock().isoformat(),
            },
        )
    )
    # The server's status proves the reply reached it: the sent step shows too.
    thread = core.thread_page("c1").messages
    assert [s.status.value for s in thread[0].timeline] == ["queued", "sent", "pending_review"]


def test_hidden_unread_message_does_not_count_as_unread(world: World) -> None:
    world.inbound(body="hide me")
    world.inbound(body="keep me")
    core = world.signed_in()
    target = next(m for m in core.inbox_page().messages if m.body == "hide me")
    core.hide_message(target.message_id)
    assert [r.unread for r in core.conversations()] == [1]


def test_marking_several_read_writes_one_mark_read_item_each_in_one_commit(
    world: World,
) -> None:
    first, second = world.inbound(body="one"), world.inbound(body="two")
    core = world.signed_in()
    ids = [m.message_id for m in core.inbox_page().messages]
    assert sorted(core.mark_read_many(ids)) == sorted(ids)
    assert core.mark_read_many(ids) == ()
    assert all(m.read_at == world.clock() for m in core.inbox_page().messages)
    assert core.conversations()[0].unread == 0
    with world.store.read() as db:
        items = list(db.scalars(select(OutboxItem).where(OutboxItem.kind == "mark_read")))
    assert sorted(i.payload["message_id"] for i in items) == sorted([first, second])


def test_batch_naming_another_residents_message_marks_nothing_read(world: World) -> None:
    world.resident("r2", "A1002", "Luis")
    world.contact("c2", resident_id="r2")
    world.inbound(contact_id="c2", resident_id="r2")
    world.inbound()
    core = world.signed_in()
    mine = core.inbox_page().messages[0].message_id
    with world.store.read() as db:
        theirs = db.scalars(select(Message.id).where(Message.resident_id == "r2")).one()
    with pytest.raises(Refusal) as refused:
        core.mark_read_many([mine, theirs])
    assert refused.value.code == "not_found"
    assert core.conversations()[0].unread == 1
    with world.store.read() as db:
        assert not list(db.scalars(select(OutboxItem).where(OutboxItem.kind == "mark_read")))
