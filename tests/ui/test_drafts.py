"""Drafts on the terminal: a list with its count on the inbox, every draft reachable and
deletable, Reply on a row opens that row's draft, a rejected reply comes back to revise.

Issue 14: there was no list of drafts; with three drafts, Reply on any of twelve rows
loaded only one of them; a rejected reply's text never came back to an editable place;
Reply with a rejected reply selected opened a different draft.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from tests.server.live import LiveServer, key, ok
from tests.ui.conftest import Terminal
from tests.ui.live import live_shell


def _choose(conversation: object, body: str) -> None:
    model = conversation.model  # type: ignore[attr-defined]
    row = next(r for r, m in enumerate(model.items()) if m.body == body)
    conversation.list.selectionModel().setCurrentIndex(  # type: ignore[attr-defined]
        model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )


def test_reply_on_each_row_opens_that_rows_draft_and_the_list_reaches_and_deletes_them(
    signed_in: Terminal,
) -> None:
    world, core = signed_in.world, signed_in.core
    world.ledger(5)
    start = world.clock() - timedelta(days=1)
    world.feed(
        *(
            ("message", world.inbound_data(body=f"Letter {n}", at=start + timedelta(minutes=n)))
            for n in range(12)
        )
    )
    contact = core.contacts()[0]
    conversation = signed_in.show("conversation", contact=contact)
    # Three replies begun on three different rows, each left unfinished.
    for n in (2, 5, 9):
        _choose(conversation, f"Letter {n}")
        signed_in.click(conversation.reply_button)
        compose = signed_in.shell.page("compose")
        compose.editor.setPlainText(f"Answer to letter {n}")
        signed_in.click(compose.back_button)
        assert signed_in.shell.current_key() == "conversation"
    signed_in.settle()
    assert len(core.drafts()) == 3
    # Reply on each of those rows opens its own draft, and on another row a fresh one.
    for n in (9, 2, 5):
        _choose(conversation, f"Letter {n}")
        signed_in.click(conversation.reply_button)
        compose = signed_in.shell.page("compose")
        assert compose.editor.toPlainText() == f"Answer to letter {n}"
        signed_in.click(compose.back_button)
    _choose(conversation, "Letter 7")
    signed_in.click(conversation.reply_button)
    assert signed_in.shell.page("compose").editor.toPlainText() == ""
    signed_in.click(signed_in.shell.page("compose").back_button)

    inbox = signed_in.show("inbox")
    assert inbox.drafts_button.isVisible() and inbox.drafts_button.text() == "Drafts (3)"
    signed_in.click(inbox.drafts_button)
    drafts = signed_in.shell.page("drafts")
    assert signed_in.shell.current_key() == "drafts"
    assert len(drafts.cards) == 3
    # Every draft is reachable from the list...
    for draft in core.drafts():
        signed_in.show("drafts")
        opener = drafts.cards[draft.draft_id].findChild(
            type(inbox.new_button), f"open_draft_{draft.draft_id}"
        )
        signed_in.click(opener)
        compose = signed_in.shell.page("compose")
        assert compose.editor.toPlainText() == draft.body
        assert compose.draft_id == draft.draft_id
    # ...and deletable, after a confirmation.
    signed_in.show("drafts")
    doomed = core.drafts()[0]
    signed_in.click(
        drafts.cards[doomed.draft_id].findChild(
            type(inbox.new_button), f"delete_draft_{doomed.draft_id}"
        )
    )
    assert drafts.confirm.isVisible()
    signed_in.click(drafts.confirm.confirm_button)
    signed_in.settle()
    assert doomed.draft_id not in {d.draft_id for d in core.drafts()}
    assert len(drafts.cards) == 2
    assert signed_in.show("inbox").drafts_button.text() == "Drafts (2)"


def test_a_rejected_reply_comes_back_to_revise_and_send_again_through_the_real_server(
    qtbot: QtBot, central_server: LiveServer, tmp_path: Path
) -> None:
    world = central_server.world(residents=1, stamps=3)
    resident = world.resident
    with world.family() as family:
        sent = ok(
            family.post(
                "/v1/family/messages",
                json={
                    "idempotency_key": key(),
                    "contact_id": resident.contact_id,
                    "body": "How are you?",
                },
            )
        )
    with world.staff() as staff:
        ok(staff.post(f"/v1/staff/review/{sent['message_id']}", json={"decision": "approve"}))
    with live_shell(qtbot, world, tmp_path / "kiosk") as live:
        live.sign_in()
        inbox = live.page("inbox")
        live.wait(lambda: inbox.model.rowCount() == 1)
        contact = inbox.model.rows()[0].contact
        conversation = live.shell.show_screen("conversation", contact=contact)
        live.wait(lambda: conversation.model.rowCount() == 1)
        live.click(conversation.reply_button)
        compose = live.page("compose")
        compose.editor.setPlainText("Fine. Tell cousin Joe the thing.")
        live.wait(lambda: compose.send_button.isEnabled())
        live.click(compose.send_button)
        live.wait(
            lambda: (
                conversation.model.newest() is not None
                and str(conversation.model.newest().status) == "pending_review"
            )
        )
        with world.staff() as staff:
            (waiting,) = ok(
                staff.get("/v1/staff/review", params={"resident_id": resident.resident_id})
            )
            ok(
                staff.post(
                    f"/v1/staff/review/{waiting['message_id']}",
                    json={"decision": "reject", "reason": "Mentions another resident"},
                )
            )
        live.wait(lambda: str(conversation.model.newest().status) == "rejected")
        _choose(conversation, "Fine. Tell cousin Joe the thing.")
        assert conversation.reply_button.text() == "Revise and send again"
        live.click(conversation.reply_button)
        live.wait(lambda: live.shell.current_key() == "compose")
        live.wait(lambda: compose.editor.toPlainText() == "Fine. Tell cousin Joe the thing.")
        # The drafts list says where it came from, with the facility's reason.
        live.shell.show_screen("inbox")
        live.wait(lambda: inbox.drafts_button.text() == "Drafts (1)")
        live.click(inbox.drafts_button)
        drafts = live.page("drafts")
        live.wait(lambda: len(drafts.cards) == 1)
        (card,) = drafts.cards.values()
        assert "Reason: Mentions another resident" in card.accessibleName()
        opener = next(iter(drafts.cards))
        live.click(card.findChild(type(inbox.new_button), f"open_draft_{opener}"))
        live.wait(lambda: compose.editor.toPlainText() == "Fine. Tell cousin Joe the thing.")
        compose.editor.setPlainText("Fine, all well here.")
        live.wait(lambda: compose.send_button.isEnabled())
        live.click(compose.send_button)
        live.wait(lambda: live.shell.current_key() == "conversation")
        live.wait(lambda: conversation.model.newest().body == "Fine, all well here.")
        live.shell.show_screen("inbox")
        live.wait(lambda: not inbox.drafts_button.isVisible())
