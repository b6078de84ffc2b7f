"""Breakout attempts through the real window: the shell as ``kite`` locks it down.

Each test is one thing a resident at the kiosk tries in order to leave the app, reach
the desktop, a menu, a dialog, a link or the last resident's data, and checks what he
would notice: still the same full-screen window, the same screen, the same session,
nothing opened. The compositor's part is ``tests/ui/test_cage_session.py``; the list of
all attempts is the "Breakout suite" table in ``docs/security.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QPointF, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import (
    QContextMenuEvent,
    QDesktopServices,
    QDropEvent,
    QGuiApplication,
    QInputMethodEvent,
    QKeyEvent,
    QMouseEvent,
)
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.conftest import Terminal
from ui.lockdown import EscapeFilter, FullScreenGuard, lock_down

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
META = Qt.KeyboardModifier.MetaModifier
NONE = Qt.KeyboardModifier.NoModifier


class Kiosk:
    """A signed-in resident at the locked-down window, writing a reply."""

    def __init__(self, terminal: Terminal, escape: EscapeFilter, guard: FullScreenGuard) -> None:
        self.terminal = terminal
        self.shell = terminal.shell
        self.escape = escape
        self.guard = guard
        contact = terminal.core.contacts()[0]
        self.compose: Any = terminal.show("compose", contact=contact)
        self.compose.editor.setFocus()
        self.compose.editor.setPlainText("Dear Maria,")
        self.compose.editor.moveCursor(self.compose.editor.textCursor().MoveOperation.End)

    def press(
        self,
        key: Qt.Key,
        mods: Qt.KeyboardModifier = NONE,
        text: str = "",
        target: QWidget | None = None,
    ) -> None:
        target = target or self.compose.editor
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, mods, text))
        QApplication.processEvents()

    def watch_for_popups(self) -> list[str]:
        """Close and name any menu that opens (a menu's own event loop would block the test)."""
        seen: list[str] = []

        def close_popup() -> None:
            popup = QApplication.activePopupWidget()
            if popup is not None:
                seen.append(type(popup).__name__)
                popup.close()

        timer = QTimer(self.shell)
        timer.timeout.connect(close_popup)
        timer.start(20)
        self.shell.destroyed.connect(timer.stop)
        return seen

    def assert_held(self) -> None:
        """Still the one full-screen window, on compose, in the same session."""
        QApplication.processEvents()
        shell = self.shell
        assert shell.isVisible() and shell.isFullScreen() and not shell.isMinimized()
        assert self.shell.current_key() == "compose"
        assert self.shell.resident is not None
        assert self.compose.editor.toPlainText() == "Dear Maria,"
        assert QApplication.activePopupWidget() is None  # no menu
        assert QApplication.activeModalWidget() is None  # no dialog
        shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        assert shown == [shell], [type(w).__name__ for w in shown]


@pytest.fixture
def kiosk(signed_in: Terminal) -> Iterator[Kiosk]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    locked = lock_down(app, signed_in.shell)  # as kite does in kiosk mode
    signed_in.qtbot.waitUntil(signed_in.shell.isFullScreen)
    try:
        yield Kiosk(signed_in, locked.escape, locked.guard)
    finally:
        app.removeEventFilter(locked.escape)
        locked.guard.release()


# Chords that leave or switch applications elsewhere; the filter swallows each before
# any widget sees it (the compose text is unchanged, nothing opens).
SWALLOWED = {
    "Alt+F4 (close window)": (Qt.Key.Key_F4, ALT),
    "Alt+Tab (switch)": (Qt.Key.Key_Tab, ALT),
    "Alt+Shift+Tab (switch back)": (Qt.Key.Key_Backtab, ALT | SHIFT),
    "Alt+Esc (cycle windows)": (Qt.Key.Key_Escape, ALT),
    "Alt+Space (window menu)": (Qt.Key.Key_Space, ALT),
    "Alt+F2 (run dialog)": (Qt.Key.Key_F2, ALT),
    "Ctrl+Alt+F1 (console switch)": (Qt.Key.Key_F1, CTRL | ALT),
    "Ctrl+Alt+Backspace (kill display server)": (Qt.Key.Key_Backspace, CTRL | ALT),
    "Ctrl+Alt+T (open a terminal)": (Qt.Key.Key_T, CTRL | ALT),
    "Ctrl+Alt+Delete": (Qt.Key.Key_Delete, CTRL | ALT),
    "Ctrl+Q (quit)": (Qt.Key.Key_Q, CTRL),
    "Ctrl+W (close)": (Qt.Key.Key_W, CTRL),
    "Ctrl+Esc (start menu)": (Qt.Key.Key_Escape, CTRL),
    "Super (launcher)": (Qt.Key.Key_Super_L, NONE),
    "Super+D (show desktop)": (Qt.Key.Key_D, META),
    "Menu key (context menu)": (Qt.Key.Key_Menu, NONE),
}


@pytest.mark.parametrize("chord", list(SWALLOWED), ids=list(SWALLOWED))
def test_an_escape_chord_is_swallowed_before_any_widget_sees_it(kiosk: Kiosk, chord: str) -> None:
    key, mods = SWALLOWED[chord]
    before = kiosk.escape.swallowed
    kiosk.press(key, mods, text="x")
    assert kiosk.escape.swallowed >= before + 2  # the press and the release, at least
    kiosk.assert_held()


# Keys a resident tries that the app lets through: none of them does anything harmful.
HARMLESS = {
    "Escape": (Qt.Key.Key_Escape, NONE),
    "F11 (toggle full screen)": (Qt.Key.Key_F11, NONE),
    "F1 (help)": (Qt.Key.Key_F1, NONE),
    "Alt+F (a menu's mnemonic)": (Qt.Key.Key_F, ALT),
    "Alt+Enter (full screen toggle)": (Qt.Key.Key_Return, ALT),
}


@pytest.mark.parametrize("attempt", list(HARMLESS), ids=list(HARMLESS))
def test_keys_that_leave_full_screen_or_open_menus_elsewhere_do_nothing_here(
    kiosk: Kiosk, attempt: str
) -> None:
    key, mods = HARMLESS[attempt]
    kiosk.press(key, mods)
    kiosk.assert_held()


@pytest.mark.parametrize("state", ["showNormal", "showMinimized", "showMaximized"])
def test_a_normal_minimised_or_maximised_window_goes_back_to_full_screen(
    kiosk: Kiosk, state: str
) -> None:
    getattr(kiosk.shell, state)()
    kiosk.terminal.qtbot.waitUntil(
        lambda: kiosk.shell.isFullScreen() and not kiosk.shell.isMinimized()
    )
    assert kiosk.guard.restored >= 1
    kiosk.assert_held()


CLOSE_REQUESTS = {
    # What a compositor's close request (xdg-toplevel close) or a window manager's
    # Alt+F4 becomes in Qt: a close event at the window's QWindow.
    "compositor close request": lambda shell: shell.windowHandle().close(),
    "close() on the window": lambda shell: shell.close(),
}


@pytest.mark.parametrize("request_", list(CLOSE_REQUESTS), ids=list(CLOSE_REQUESTS))
def test_a_request_to_close_the_window_is_refused(kiosk: Kiosk, request_: str) -> None:
    CLOSE_REQUESTS[request_](kiosk.shell)
    QApplication.processEvents()
    assert kiosk.guard.refused_closes >= 1
    kiosk.assert_held()


@pytest.mark.parametrize("reason", ["Mouse", "Keyboard", "Other"])
def test_no_edit_menu_opens_on_a_right_click_long_press_or_shift_f10(
    kiosk: Kiosk, reason: str
) -> None:
    """A long press on a touch screen arrives as a context-menu event too (reason Other)."""
    why = getattr(QContextMenuEvent.Reason, reason)
    menus = kiosk.watch_for_popups()
    before = kiosk.escape.swallowed
    for widget in (kiosk.compose.editor.viewport(), kiosk.compose.editor, kiosk.shell):
        QApplication.sendEvent(widget, QContextMenuEvent(why, QPoint(5, 5), QPoint(5, 5)))
    assert kiosk.escape.swallowed == before + 3
    assert menus == []
    kiosk.assert_held()


def test_a_press_held_on_the_editor_opens_no_menu(kiosk: Kiosk) -> None:
    menus = kiosk.watch_for_popups()
    viewport: QWidget = kiosk.compose.editor.viewport()
    at = QPointF(10, 10)
    press = QMouseEvent(
        QEvent.Type.MouseButtonPress,
        at,
        viewport.mapToGlobal(at),
        Qt.MouseButton.RightButton,
        Qt.MouseButton.RightButton,
        NONE,
    )
    QApplication.sendEvent(viewport, press)
    kiosk.assert_held()
    release = QMouseEvent(
        QEvent.Type.MouseButtonRelease,
        at,
        viewport.mapToGlobal(at),
        Qt.MouseButton.RightButton,
        Qt.MouseButton.NoButton,
        NONE,
    )
    QApplication.sendEvent(viewport, release)
    assert menus == []
    kiosk.assert_held()


class LinkCatcher(QObject):
    """Registered for every scheme: any attempt to open a link lands here."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def test_links_in_a_message_open_nothing_when_clicked(kiosk: Kiosk) -> None:
    terminal = kiosk.terminal
    terminal.world.inbound(
        body="see https://example.org and file:///etc/passwd <a href='https://x.test'>here</a>"
    )
    catcher = LinkCatcher()
    schemes = ("http", "https", "file", "mailto", "tel")
    for scheme in schemes:
        QDesktopServices.setUrlHandler(scheme, catcher, "open")
    try:
        conversation: Any = terminal.show("conversation", contact=terminal.core.contacts()[0])
        view = conversation.list
        assert view.model().rowCount() >= 1
        for row in range(view.model().rowCount()):
            rect = view.visualRect(view.model().index(row, 0))
            for x in range(rect.left() + 5, rect.right(), 60):
                point = QPoint(x, rect.center().y())
                terminal.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
                terminal.qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
        terminal.settle()
    finally:
        for scheme in schemes:
            QDesktopServices.unsetUrlHandler(scheme)
    assert catcher.opened == []
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [kiosk.shell]


def test_a_text_dropped_on_the_window_itself_is_refused(kiosk: Kiosk) -> None:
    data = QMimeData()
    data.setText("rm -rf /")
    # No widget inside the window takes drops, so Qt hands them none.
    takers = [w for w in kiosk.shell.findChildren(QWidget) if w.acceptDrops()]
    assert takers == []
    for target in (kiosk.shell, kiosk.shell.topbar, kiosk.compose.editor.viewport()):
        drop = QDropEvent(
            QPointF(5, 5), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, NONE
        )
        QApplication.sendEvent(target, drop)
        assert not drop.isAccepted()
    kiosk.assert_held()


def test_undo_in_the_next_residents_editor_brings_back_nothing(kiosk: Kiosk) -> None:
    terminal = kiosk.terminal
    kiosk.compose.editor.setFocus()
    terminal.qtbot.keyClicks(kiosk.compose.editor, " the code is 4242")
    terminal.click(kiosk.shell.sign_out_button)
    terminal.sign_in()
    compose: Any = terminal.show("compose", contact=terminal.core.contacts()[0])
    compose.editor.setFocus()
    compose.editor.clear()  # whatever the draft put there; then the undo attempts
    for _ in range(5):
        kiosk.press(Qt.Key.Key_Z, CTRL, target=compose.editor)
        compose.editor.undo()
    assert "4242" not in compose.editor.toPlainText()


def test_a_paste_after_sign_out_brings_nothing_of_the_last_resident(kiosk: Kiosk) -> None:
    terminal = kiosk.terminal
    kiosk.compose.editor.selectAll()
    kiosk.compose.editor.copy()
    QGuiApplication.clipboard().setText(
        "Dear Maria, secret", QGuiApplication.clipboard().Mode.Selection
    )
    terminal.click(kiosk.shell.sign_out_button)
    field = kiosk.shell.signin.id_field
    field.setFocus()
    field.paste()  # Ctrl+V
    terminal.qtbot.mouseClick(field, Qt.MouseButton.MiddleButton)  # the selection's paste
    assert field.text() == ""


def test_an_input_methods_unfinished_text_does_not_survive_sign_out(kiosk: Kiosk) -> None:
    terminal = kiosk.terminal
    QApplication.sendEvent(kiosk.compose.editor, QInputMethodEvent("secreto", []))
    terminal.click(kiosk.shell.sign_out_button)
    terminal.sign_in()
    compose: Any = terminal.show("compose", contact=terminal.core.contacts()[0])
    surrounding = compose.editor.inputMethodQuery(Qt.InputMethodQuery.ImSurroundingText)
    assert "secreto" not in compose.editor.toPlainText() + str(surrounding)
    assert "secreto" not in kiosk.shell.signin.id_field.text()


def test_a_name_written_as_a_link_shows_its_characters_and_opens_nothing(
    terminal: Terminal,
) -> None:
    hostile = "<a href='file:///etc/passwd'>Ana</a><img src='file:///x.png'>"
    terminal.world.resident("r9", "A9009", hostile, "2468")
    catcher = LinkCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        terminal.sign_in("A9009", "2468")
        label = terminal.shell.resident_label
        assert label.textFormat() == Qt.TextFormat.PlainText
        assert "<a href='file:///etc/passwd'>" in label.full_text()
        terminal.qtbot.mouseClick(label, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert catcher.opened == []


def test_a_question_the_app_asks_is_a_panel_in_the_window_not_a_dialog(kiosk: Kiosk) -> None:
    """A dialog is a second surface: the compositor could show it apart, or with a title bar."""
    terminal = kiosk.terminal
    terminal.world.inbound(body="Delete me")
    conversation: Any = terminal.show("conversation", contact=terminal.core.contacts()[0])
    terminal.click(conversation.delete_button)
    assert conversation.confirm.isVisible()
    assert conversation.confirm.window() is kiosk.shell
    assert QApplication.activeModalWidget() is None
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [kiosk.shell]
