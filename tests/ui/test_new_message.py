"""Writing first: a New message path from the inbox and from each approved contact.

Issue 14, "a resident cannot start a message": the inbox listed only contacts with
visible messages and the contacts screen offered only Block/Unblock, so a newly
approved contact, or one whose messages were all deleted, could not be written to.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from tests.server.live import LiveServer, key, ok
from tests.ui.conftest import Terminal
from tests.ui.live import live_shell
from ui.formatting import full_date_and_time


def test_new_message_from_the_inbox_writes_to_an_approved_contact_who_never_wrote(
    signed_in: Terminal,
) -> None:
    world = signed_in.world
    world.ledger(2)
    world.contact("c2", name="Luis")  # approved, no messages at all
    world.contact("c3", name="Rosa", state="pending")
    inbox = signed_in.show("inbox")
    assert inbox.model.rowCount() == 0  # nobody has written yet
    assert inbox.new_button.isVisible() and inbox.new_button.text() == "New message"
    signed_in.click(inbox.new_button)
    picker = signed_in.shell.page("new_message")
    assert signed_in.shell.current_key() == "new_message"
    # Approved contacts only: Rosa is still waiting for approval.
    assert sorted(picker.contact_buttons) == ["c1", "c2"]
    assert picker.contact_buttons["c2"].text() == "Luis (sister)"
    signed_in.click(picker.contact_buttons["c2"])
    compose = signed_in.shell.page("compose")
    assert signed_in.shell.current_key() == "compose"
    assert compose.title.text() == "New message to Luis"
    assert compose.in_reply_to is None
    compose.editor.setPlainText("Hello Luis, it is me.")
    compose.request_quote()
    signed_in.settle()
    assert compose.payment.text() == "Uses 1 of your 2 stamps"
    signed_in.click(compose.send_button)
    conversation = signed_in.shell.page("conversation")
    assert signed_in.shell.current_key() == "conversation"
    assert conversation.title.text() == "Luis"
    newest = conversation.model.newest()
    assert (newest.body, newest.contact_id, newest.in_reply_to) == (
        "Hello Luis, it is me.",
        "c2",
        None,
    )
    inbox = signed_in.show("inbox")
    assert [r.contact.display_name for r in inbox.model.rows()] == ["Luis"]


def test_each_approved_contact_has_a_conversation_to_open_even_with_no_messages(
    signed_in: Terminal,
) -> None:
    world = signed_in.world
    world.ledger(1)
    world.contact("c2", name="Luis", state="suspended")
    contacts = signed_in.show("contacts")
    write = contacts.row_widgets["c1"].findChild(QPushButton, "write_c1")
    assert write is not None and write.text() == "Write"
    assert contacts.row_widgets["c2"].findChild(QPushButton, "write_c2") is None  # suspended
    signed_in.click(write)
    conversation = signed_in.shell.page("conversation")
    assert signed_in.shell.current_key() == "conversation"
    assert conversation.model.rowCount() == 0
    assert conversation.empty.isVisible()
    assert (
        conversation.empty.text() == "No messages with Maria yet. Tap Write to send the first one."
    )
    assert conversation.reply_button.text() == "Write"
    assert conversation.reply_button.isEnabled()
    signed_in.click(conversation.reply_button)
    compose = signed_in.shell.page("compose")
    assert compose.title.text() == "New message to Maria"


def test_a_contact_whose_messages_were_all_deleted_can_still_be_written_to(
    signed_in: Terminal,
) -> None:
    world = signed_in.world
    world.ledger(1)
    world.inbound(body="Only one")
    contact = signed_in.core.contacts()[0]
    conversation = signed_in.show("conversation", contact=contact)
    signed_in.click(conversation.delete_button)
    signed_in.click(conversation.confirm.confirm_button)
    signed_in.settle()
    assert conversation.model.rowCount() == 0
    assert signed_in.show("inbox").model.rowCount() == 0
    picker = signed_in.show("new_message")
    assert list(picker.contact_buttons) == ["c1"]


def test_a_newly_approved_contact_is_written_to_through_the_real_server(
    qtbot: QtBot, central_server: LiveServer, tmp_path: Path
) -> None:
    world = central_server.world(residents=1, stamps=3)
    resident = world.resident
    with world.staff() as staff:
        ok(
            staff.post(
                "/v1/staff/contacts",
                json={
                    "idempotency_key": key(),
                    "resident_id": resident.resident_id,
                    "family_id": world.family_id,
                    "display_name": "New friend",
                    "state": "approved",
                },
            )
        )
    with live_shell(qtbot, world, tmp_path / "kiosk") as live:
        live.sign_in()
        inbox = live.page("inbox")
        live.click(inbox.new_button)
        picker = live.page("new_message")
        live.wait(lambda: len(picker.contact_buttons) == 2)
        (new_id,) = [c.contact_id for c in picker.contacts if c.display_name == "New friend"]
        live.click(picker.contact_buttons[new_id])
        compose = live.page("compose")
        compose.editor.setPlainText("Glad you were approved. Write soon.")
        live.wait(lambda: compose.send_button.isEnabled())
        assert compose.payment.text() == "Uses 1 of your 3 stamps"
        live.click(compose.send_button)
        conversation = live.page("conversation")
        live.wait(lambda: live.shell.current_key() == "conversation")
        live.wait(
            lambda: (
                conversation.model.newest() is not None
                and str(conversation.model.newest().status) == "pending_review"
            )
        )
    with world.staff() as staff:
        queue = ok(staff.get("/v1/staff/review", params={"resident_id": resident.resident_id}))
    assert [(m["contact_id"], m["body"]) for m in queue] == [
        (new_id, "Glad you were approved. Write soon.")
    ]


def test_a_restriction_shows_its_full_end_date_and_reason_on_inbox_contacts_new_and_compose(
    signed_in: Terminal,
) -> None:
    world = signed_in.world
    world.ledger(2)
    # Ten days on: a weekday alone ("until Thursday") would say nothing useful.
    until = world.clock() + timedelta(days=10)
    world.resident(restricted_until=until.isoformat(), restriction_reason="Sanction 12")
    expected = "until " + full_date_and_time(until) + "."
    assert str(until.year) in expected
    inbox = signed_in.show("inbox")
    assert inbox.notice.isVisible()
    assert expected in inbox.notice.text() and "Reason: Sanction 12" in inbox.notice.text()
    contacts = signed_in.show("contacts")
    assert expected in contacts.restriction.text()
    assert "Reason: Sanction 12" in contacts.restriction.text()
    picker = signed_in.show("new_message")
    assert expected in picker.notice.text()
    compose = signed_in.show("compose", contact=signed_in.core.contacts()[0])
    compose.editor.setPlainText("Hello")
    compose.request_quote()
    signed_in.settle()
    assert expected in compose.reason.text() and "Sanction 12" in compose.reason.text()
    assert not compose.send_button.isEnabled()


def test_messaging_paused_is_said_on_the_inbox_with_the_facility_reason(
    signed_in: Terminal,
) -> None:
    signed_in.world.policy(messaging_suspended=True, suspended_reason="Count in progress")
    inbox = signed_in.show("inbox")
    assert inbox.notice.text() == (
        "The facility has paused all messaging for now. You can still read.\n"
        "Reason: Count in progress"
    )
