"""A resident who cannot use the touch screen or the mouse: sign in, read, reply, buy a
stamp and sign out with the keyboard alone (issue #22, "Done when").

Only key presses reach the window, each sent to whatever has the focus, as a keyboard
would; where the focus goes after each step is what the screen's documented focus rule
(``docs/accessibility.md``) says, and every step is judged by what the resident would
notice.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.conftest import Terminal

MAX_TABS = 40


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def _key(terminal: Terminal, key: Qt.Key) -> None:
    QTest.keyClick(_focused(), key)
    terminal.settle()


def _type(terminal: Terminal, text: str) -> None:
    QTest.keyClicks(_focused(), text)
    terminal.settle()


def _tab_to(terminal: Terminal, target: QWidget) -> None:
    """Tab (only Tab) until ``target`` has the focus; fails if it never gets it."""
    seen = []
    for _ in range(MAX_TABS):
        if _focused() is target:
            return
        seen.append(_focused().objectName() or type(_focused()).__name__)
        _key(terminal, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.objectName()!r}; it went {seen}")


def test_sign_in_read_reply_buy_and_sign_out_with_the_keyboard_alone(terminal: Terminal) -> None:
    world = terminal.world
    world.inbound(body="Hola, how are you?")
    world.ledger(3)
    world.debit(500)
    shell = terminal.shell
    shell.activateWindow()
    terminal.settle()
    signin = shell.signin
    # Sign in: the facility ID field has the focus at start.
    assert _focused() is signin.id_field
    _type(terminal, "A1001")
    _key(terminal, Qt.Key.Key_Tab)
    assert _focused() is signin.pin_field
    _type(terminal, "2468")
    _key(terminal, Qt.Key.Key_Return)
    terminal.settle()
    assert shell.current_key() == "inbox"
    # Read: the conversation with Maria opens from the keyboard.
    inbox = shell.page("inbox")
    _tab_to(terminal, inbox.list)
    _key(terminal, Qt.Key.Key_Return)
    assert shell.current_key() == "conversation"
    conversation = shell.page("conversation")
    assert "Hola, how are you?" in [m.body for m in conversation.model.items()]
    # Reply: Reply, type, Send.
    _tab_to(terminal, conversation.reply_button)
    _key(terminal, Qt.Key.Key_Space)
    assert shell.current_key() == "compose"
    compose = shell.compose
    assert _focused() is compose.editor
    _type(terminal, "Bien, gracias")
    # The payment line comes a moment after typing stops; then Send is on.
    terminal.qtbot.waitUntil(compose.send_button.isEnabled, timeout=5_000)
    assert compose.payment.text() == "Uses 1 of your 3 stamps"
    _tab_to(terminal, compose.send_button)
    _key(terminal, Qt.Key.Key_Space)
    assert terminal.core.waiting_to_send().replies == 1  # queued to go, paid with a stamp
    # Buy a stamp: the Stamps page, a product, its Buy button, the confirmation.
    _tab_to(terminal, shell.nav["stamps"])
    _key(terminal, Qt.Key.Key_Space)
    assert shell.current_key() == "stamps"
    stamps = shell.page("stamps")
    [buy] = [b for b in stamps.book_buttons if b.objectName() == "buy_single"]
    _tab_to(terminal, buy)
    _key(terminal, Qt.Key.Key_Space)
    _tab_to(terminal, stamps.confirm.confirm_button)
    _key(terminal, Qt.Key.Key_Space)
    assert terminal.core.waiting_to_send().purchases == 1
    # Sign out.
    _tab_to(terminal, shell.sign_out_button)
    _key(terminal, Qt.Key.Key_Space)
    assert shell.current_key() == "signin"
    assert shell.resident is None
