"""No input route puts more than the facility's limit (plus a margin) into a field; drops
are refused; server-provided names and bodies cannot reorder text or become mnemonics."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QInputMethodEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel

from tests.ui.conftest import Terminal
from ui.formatting import FSI, PDI, isolate
from ui.lockdown import EscapeFilter
from ui.widgets.bounded_edit import MARGIN

LIMIT = 500
MEGABYTE = "x" * 1_000_000  # one unbroken line, as in the freeze


def _compose(terminal: Terminal) -> Any:
    terminal.world.policy(max_message_chars=LIMIT)
    contact = terminal.core.contacts()[0]
    compose = terminal.show("compose", contact=contact)
    compose.editor.setFocus()
    return compose


def test_a_megabyte_paste_into_compose_keeps_at_most_the_limit_plus_margin(
    signed_in: Terminal,
) -> None:
    compose = _compose(signed_in)
    compose.editor.insertPlainText("Hello ")
    QGuiApplication.clipboard().setText(MEGABYTE)
    compose.editor.paste()
    assert len(compose.editor.toPlainText()) == LIMIT + MARGIN
    assert compose.editor.toPlainText().startswith("Hello x")
    assert not compose.send_button.isEnabled()  # over the limit: the counter says so


def test_typing_and_the_on_screen_keyboard_stop_at_the_bound(signed_in: Terminal) -> None:
    compose = _compose(signed_in)
    compose.editor.setPlainText("y" * (LIMIT + MARGIN))
    signed_in.qtbot.keyClicks(compose.editor, "abc")
    for key in compose.keyboard.char_keys[:3]:
        signed_in.qtbot.mouseClick(key, Qt.MouseButton.LeftButton)
    assert len(compose.editor.toPlainText()) == LIMIT + MARGIN


def test_an_input_method_commit_is_cut_to_the_room_left(signed_in: Terminal) -> None:
    compose = _compose(signed_in)
    compose.editor.setPlainText("z" * (LIMIT + MARGIN - 5))
    compose.editor.moveCursor(compose.editor.textCursor().MoveOperation.End)
    event = QInputMethodEvent("", [])
    event.setCommitString(MEGABYTE)
    QApplication.sendEvent(compose.editor, event)
    assert compose.editor.toPlainText() == "z" * (LIMIT + MARGIN - 5) + "xxxxx"


def test_a_file_drop_is_refused_by_compose_and_by_the_kiosk_filter(signed_in: Terminal) -> None:
    compose = _compose(signed_in)
    data = QMimeData()
    data.setUrls([QUrl("file:///etc/passwd")])
    data.setText("file:///etc/passwd")
    assert not compose.editor.canInsertFromMimeData(data)
    assert not compose.editor.acceptDrops() and not compose.editor.viewport().acceptDrops()
    drop = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(compose.editor.viewport(), drop)
    compose.editor.insertFromMimeData(data)
    assert compose.editor.toPlainText() == ""
    assert EscapeFilter().eventFilter(compose.editor.viewport(), drop)
    assert drop.type() == QEvent.Type.Drop


def test_sign_in_fields_take_no_more_than_their_length_and_no_drops(terminal: Terminal) -> None:
    signin = terminal.shell.signin
    for field in (signin.id_field, signin.pin_field):
        QGuiApplication.clipboard().setText(MEGABYTE)
        field.setFocus()
        field.paste()
        assert len(field.text()) == field.maxLength() <= 32
        assert not field.acceptDrops()


def test_a_right_to_left_override_in_a_name_or_body_is_isolated(signed_in: Terminal) -> None:
    evil = "Eve\u202eevil"
    signed_in.world.contact(name=evil)
    signed_in.world.inbound(body="hi\u202e there")
    contact = signed_in.core.contacts()[0]
    inbox = signed_in.show("inbox")
    assert inbox.describe_row(inbox.model.rows()[0]).startswith(isolate(evil) + ".")
    assert isolate("hi\u202e there") in inbox.describe_row(inbox.model.rows()[0])
    conversation = signed_in.show("conversation", contact=contact)
    assert conversation.title.text() == f"{FSI}{evil}{PDI}"
    assert conversation.title.accessibleName() == isolate(evil)
    compose = signed_in.show("compose", contact=contact)
    assert compose.title.text() == f"New message to {isolate(evil)}"  # not a reply: no target
    contacts = signed_in.show("contacts")
    texts = [label.text() for label in contacts.findChildren(QLabel)]
    assert any(isolate(evil) in text for text in texts)
    assert not any(evil in text.replace(isolate(evil), "") for text in texts)


def test_an_ampersand_in_a_product_name_is_shown_not_a_mnemonic(signed_in: Terminal) -> None:
    signed_in.world.policy(
        stamp_products=[
            {"product_id": "combo", "name": "Stamps & Envelopes", "stamps": 5, "price_cents": 300}
        ]
    )
    stamps = signed_in.show("stamps")
    buy = stamps.book_buttons[0]
    assert buy.text().startswith("Stamps && Envelopes")
    assert buy.accessibleName().startswith("Stamps & Envelopes")
    assert QKeySequence.mnemonic(buy.text()).isEmpty()


def test_plain_latin_text_is_shown_as_it_is_and_bidi_text_is_isolated() -> None:
    assert isolate("Maria José") == "Maria José"
    assert isolate("Eve\u202eevil") == "\u2068Eve\u202eevil\u2069"
    assert isolate("\u05e9\u05dc\u05d5\u05dd") == "\u2068\u05e9\u05dc\u05d5\u05dd\u2069"
