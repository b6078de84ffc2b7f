"""Inbox and conversation: unread counts, plain-text previews, statuses, markers, delete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from sqlalchemy import event, select

from kiosk import replies
from kiosk.changes import Changes
from kiosk.store.models import OutboxItem
from tests.ui.conftest import Terminal


def _client_ids(terminal: Terminal) -> list[str]:
    with terminal.world.store.read() as db:
        items = db.scalars(select(OutboxItem).where(OutboxItem.kind == "send_message"))
        return [str(i.payload["client_id"]) for i in items]


def _status(
    terminal: Terminal, client_id: str, status: str, minutes: int, reason: str | None = None
) -> None:
    terminal.world.feed(
        (
            "message_status",
            {
                "message_id": "s-" + client_id,
                "client_id": client_id,
                "resident_id": "r1",
                "status": status,
                "reason": reason,
                "at": (terminal.world.clock() + timedelta(minutes=minutes)).isoformat(),
            },
        )
    )


def _rows(terminal: Terminal) -> list[Any]:
    return terminal.shell.page("inbox").model.rows()  # type: ignore[attr-defined]


def test_inbox_lists_conversations_with_unread_counts_and_plain_previews(
    signed_in: Terminal,
) -> None:
    world = signed_in.world
    world.contact("c2", name="Luis")
    now = world.clock()
    world.inbound(body="<b>Hola</b> <a href='x'>link</a>", at=now - timedelta(minutes=3))
    world.inbound(body="Second one", at=now - timedelta(minutes=2))
    world.inbound(contact_id="c2", body="From Luis", at=now - timedelta(minutes=1))
    inbox = signed_in.show("inbox")
    rows = _rows(signed_in)
    assert [r.contact.display_name for r in rows] == ["Luis", "Maria"]
    assert [r.unread for r in rows] == [1, 2]
    sentence = inbox.model.data(inbox.model.index(1))
    assert "Maria" in sentence and "2 unread messages" in sentence


def test_new_arrival_while_signed_in_shows_a_banner_and_is_announced_once(
    signed_in: Terminal, said: list[tuple[str, bool]]
) -> None:
    world = signed_in.world
    inbox = signed_in.show("inbox")
    assert not inbox.banner.isVisible()
    world.inbound(body="Are you there?")
    inbox.refresh()
    signed_in.settle()
    assert inbox.banner.isVisible()
    assert inbox.banner_text.text() == "New message from Maria"
    inbox.refresh()
    signed_in.settle()
    assert said == [("New message from Maria", False)]


def test_conversation_shows_markers_and_each_replys_status_timeline(
    signed_in: Terminal, said: list[tuple[str, bool]]
) -> None:
    world = signed_in.world
    world.feed(
        (
            "message",
            {
                **world.inbound_data(body="Photos from the party", return_stamp=True),
                "media": [
                    {"kind": "photo", "id": "p1", "caption": ""},
                    {"kind": "photo", "id": "p2", "caption": ""},
                ],
            },
        )
    )
    world.ledger(3)
    inbox = signed_in.show("inbox")
    signed_in.qtbot.mouseClick(
        inbox.list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=inbox.list.visualRect(inbox.model.index(0)).center(),
    )
    signed_in.settle()
    conversation = signed_in.shell.page("conversation")
    assert signed_in.shell.current_key() == "conversation"
    first = conversation.model.newest()
    described = conversation.describe_message(first)
    assert "2 photos" in described
    assert "Return stamp included" in described
    # Reply, then let the server move it along: sent, in review, rejected with a reason.
    signed_in.click(conversation.reply_button)
    compose = signed_in.shell.page("compose")
    compose.editor.setPlainText("Thank you!")
    compose.request_quote()
    signed_in.settle()
    assert compose.payment.text() == "Uses the return stamp from Maria"
    signed_in.click(compose.send_button)
    assert signed_in.shell.current_key() == "conversation"
    assert said[-1] == ("Your message to Maria is queued to send.", False)
    before = len(said)
    (client_id,) = _client_ids(signed_in)
    _status(signed_in, client_id, "sent", 2)
    _status(signed_in, client_id, "pending_review", 3)
    _status(signed_in, client_id, "rejected", 60, "Mentions another resident")
    conversation.refresh()
    signed_in.settle()
    reply = conversation.model.newest()
    assert reply.direction == "outbound"
    assert said[before:] == [("Your reply is now: Rejected", True)]  # a screen reader hears it
    assert [str(s.status) for s in reply.timeline] == [
        "queued",
        "sent",
        "pending_review",
        "rejected",
    ]
    lines = conversation.delegate._lines(reply)[1]
    texts = [t for t, _tone in lines]
    assert texts[0].startswith("Queued on this terminal")
    assert texts[2].startswith("In review since")
    assert texts[-1] == "Reason: Mentions another resident"
    assert "Rejected" in conversation.describe_message(reply)
    # A screen reader reads what the bubble shows: its time and every line of its timeline.
    read = conversation.describe_message(reply)
    assert all(text.rstrip(".") in read for text in texts)
    assert conversation.delegate.read_aloud(reply)[1] in read


def test_message_text_is_never_rendered_as_rich_text(signed_in: Terminal) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    signed_in.world.inbound(body="<img src='x'><h1>Big</h1>")
    signed_in.show("inbox")
    for screen in signed_in.shell.screens.values():
        for label in screen.findChildren(QLabel):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()


def test_deleting_a_message_asks_first_then_hides_it(signed_in: Terminal) -> None:
    world = signed_in.world
    world.inbound(body="Keep me")
    world.clock.advance(10)
    world.inbound(body="Delete me")
    contact = signed_in.core.contacts()[0]
    conversation = signed_in.show("conversation", contact=contact)
    assert [m.body for m in conversation.model.items()] == ["Keep me", "Delete me"]
    assert conversation.model.newest().body == "Delete me"  # opened on the newest, chosen
    signed_in.click(conversation.delete_button)
    assert conversation.confirm.isVisible()
    signed_in.click(conversation.confirm.cancel_button)
    assert conversation.model.rowCount() == 2
    signed_in.click(conversation.delete_button)
    signed_in.click(conversation.confirm.confirm_button)
    signed_in.settle()
    assert [m.body for m in conversation.model.items()] == ["Keep me"]


def test_opening_a_conversation_marks_its_messages_read(signed_in: Terminal) -> None:
    signed_in.world.inbound(body="Unread")
    contact = signed_in.core.contacts()[0]
    signed_in.show("conversation", contact=contact)
    # Marked once the page has been on screen for a moment, not mid-scroll.
    signed_in.qtbot.waitUntil(lambda: signed_in.core.conversations()[0].unread == 0)
    signed_in.settle()
    inbox = signed_in.show("inbox")
    assert [r.unread for r in inbox.model.rows()] == [0]


def test_blocked_contact_conversation_explains_why_reply_is_off(signed_in: Terminal) -> None:
    signed_in.world.inbound(body="Hi")
    signed_in.world.contact(state="blocked")
    contact = signed_in.core.contacts()[0]
    conversation = signed_in.show("conversation", contact=contact)
    assert not conversation.reply_button.isEnabled()
    assert "Unblock them in Contacts" in conversation.notice.text()


def test_long_thread_reads_oldest_to_newest_opens_at_the_newest_and_loads_older_pages_upward(
    signed_in: Terminal,
) -> None:
    world = signed_in.world
    start = world.clock() - timedelta(days=30)
    world.feed(
        *(
            ("message", world.inbound_data(body=f"Note {n}", at=start + timedelta(minutes=n)))
            for n in range(250)
        )
    )
    contact = signed_in.core.contacts()[0]
    conversation = signed_in.show("conversation", contact=contact)
    model, bar = conversation.model, conversation.list.verticalScrollBar()
    # One page, oldest at the top, newest at the bottom, opened at the bottom, newest chosen.
    assert model.rowCount() == 100
    assert [m.body for m in model.items()] == [f"Note {n}" for n in range(150, 250)]
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    assert conversation.list.currentIndex().row() == 99
    # Qt's bottom-of-the-view fetching stays off: the bottom is where a thread starts.
    assert not model.canFetchMore(QModelIndex()) and model.can_fetch_older()
    # Scrolling to the top reads the next older page above, and the place is kept.
    top_before = model.item(0).message_id
    conversation.list.scrollToTop()
    signed_in.qtbot.waitUntil(lambda: model.rowCount() == 200)
    signed_in.settle()
    top_row = conversation.top_index().row()
    assert model.item(top_row).message_id == top_before
    assert bar.value() > 0
    conversation.list.scrollToTop()
    signed_in.qtbot.waitUntil(lambda: model.rowCount() == 250)
    signed_in.settle()
    assert not model.can_fetch_older()
    assert [m.body for m in model.items()] == [f"Note {n}" for n in range(250)]


def test_a_new_message_arrives_at_the_bottom_of_an_open_thread(signed_in: Terminal) -> None:
    world = signed_in.world
    world.inbound(body="First")
    contact = signed_in.core.contacts()[0]
    conversation = signed_in.show("conversation", contact=contact)
    world.clock.advance(60)
    world.inbound(body="Second")
    signed_in.shell.data_changed(Changes.MESSAGES)
    signed_in.settle()
    assert [m.body for m in conversation.model.items()] == ["First", "Second"]
    assert conversation.model.newest().body == "Second"


def test_sync_line_counts_the_residents_replies_waiting_not_read_receipts(
    signed_in: Terminal, said: list[tuple[str, bool]]
) -> None:
    from sync.status import SyncStatus

    world, core = signed_in.world, signed_in.core
    world.ledger(5)
    world.inbound(body="Read me")
    core.mark_read(core.inbox_page().messages[0].message_id)  # queued, but not the resident's
    first = core.send_reply("c1", None, "One")
    core.send_reply("c1", None, "Two")
    offline = SyncStatus(
        state="offline", online=False, items_waiting=6, offline_since=world.clock()
    )
    signed_in.shell.show_sync_status(offline)
    inbox = signed_in.show("inbox")
    assert inbox.sync_line.text().endswith(" · 2 replies waiting to send")
    assert inbox.sync_line.text().startswith("Offline since ")
    signed_in.shell.set_language("es")
    signed_in.settle()
    assert inbox.sync_line.text().endswith(" · 2 respuestas pendientes de envío")
    replies.apply_push_result(
        world.store,
        first.outbox_item_id,
        "accepted",
        None,
        None,
        {"message_id": "srv-1", "status": "pending_review", "ledger": []},
        world.clock(),
    )
    signed_in.show("inbox")
    assert inbox.sync_line.text().endswith(" · 1 respuesta pendiente de envío")
    signed_in.shell.set_language("en")
    signed_in.settle()
    assert inbox.sync_line.text().endswith(" · 1 reply waiting to send")
    signed_in.shell.show_sync_status(SyncStatus(state="online", online=True, items_waiting=4))
    signed_in.settle()
    assert inbox.sync_line.text() == "1 reply waiting to send"
    # Announced once per state, not at each count or language change.
    assert [text.split(" · ")[0][:13] for text, _ in said] == ["Offline since", "1 reply waiti"]


def test_opening_a_conversation_marks_every_unread_message_in_one_write(
    signed_in: Terminal,
) -> None:
    for n in range(3):
        signed_in.world.inbound(body=f"Unread {n}")
    writes: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            writes.append(statement)

    engine = signed_in.world.store.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        signed_in.show("conversation", contact=signed_in.core.contacts()[0])
        signed_in.qtbot.waitUntil(lambda: signed_in.core.conversations()[0].unread == 0)
        signed_in.settle()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(writes) == 1
    with signed_in.world.store.read() as db:
        marks = list(db.scalars(select(OutboxItem).where(OutboxItem.kind == "mark_read")))
    assert len(marks) == 3


@pytest.mark.parametrize("size", [(1280, 720), (800, 1280)], ids=["1280x720", "800x1280"])
def test_the_longest_sync_line_shows_whole_at_large_text_in_spanish(
    signed_in: Terminal, size: tuple[int, int]
) -> None:
    from sync.status import SyncStatus

    world, core = signed_in.world, signed_in.core
    world.ledger(5)
    world.debit(1000)
    core.send_reply("c1", None, "One")
    core.send_reply("c1", None, "Two")
    core.buy_stamps("book10")
    offline = SyncStatus(
        state="offline",
        online=False,
        items_waiting=6,
        offline_since=world.clock() - timedelta(days=2),  # a date, not just a time
    )
    signed_in.shell.show_sync_status(offline)
    signed_in.shell.set_language("es")
    signed_in.shell.set_large_text(True)
    signed_in.shell.resize(*size)
    inbox = signed_in.show("inbox")
    signed_in.settle()
    line = inbox.sync_line
    assert "2 respuestas" in line.text() and "compra" in line.text()
    # Every word of it on screen: the window keeps the screen's width (a line that
    # cannot wrap would widen it past the screen's edge), and the line has the
    # height its wrapped lines need.
    shell = signed_in.shell
    assert shell.width() == size[0]
    right_edge = line.mapTo(shell, line.rect().topRight()).x()
    assert right_edge < size[0]
    if line.wordWrap():
        assert line.height() >= line.heightForWidth(line.width()) - 1
    else:
        assert line.width() >= line.sizeHint().width() - 1


def test_sync_line_says_the_server_is_busy_when_throttled_never_offline(
    signed_in: Terminal,
) -> None:
    from datetime import timedelta

    from sync.status import SyncStatus

    retry = signed_in.world.clock() + timedelta(minutes=2)
    busy = SyncStatus(state="throttled", online=False, next_attempt_at=retry)
    signed_in.shell.show_sync_status(busy)
    inbox = signed_in.show("inbox")
    assert inbox.sync_line.text().startswith("Server busy. Trying again at ")
    assert "Offline" not in inbox.sync_line.text()
    refusing = SyncStatus(state="refusing_answers", online=False)
    signed_in.shell.show_sync_status(refusing)
    signed_in.settle()
    assert inbox.sync_line.text().startswith("Not up to date")
