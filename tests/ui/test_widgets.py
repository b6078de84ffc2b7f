"""The building blocks: task runner, lockdown filter, keypad, theme contrast, touch targets."""

from __future__ import annotations

import ast
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from kiosk import changes
from kiosk.changes import Changes
from kiosk.errors import Refusal
from tests.ui.conftest import Terminal
from ui import theme
from ui.lockdown import EscapeFilter
from ui.tasks import Tasks

UI = Path(__file__).resolve().parents[2] / "ui"


def test_task_result_arrives_on_the_ui_thread(qtbot: QtBot) -> None:
    tasks = Tasks()
    seen: list[tuple[object, bool]] = []
    worker_threads: list[threading.Thread] = []

    def work() -> int:
        worker_threads.append(threading.current_thread())
        return 42

    tasks.run(
        work, lambda v: seen.append((v, threading.current_thread() is threading.main_thread()))
    )
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [(42, True)]
    assert worker_threads[0] is not threading.main_thread()


def test_task_refusal_and_exception_reach_their_own_callbacks(qtbot: QtBot) -> None:
    tasks = Tasks()
    refusals: list[Refusal] = []
    errors: list[BaseException] = []

    def refuse() -> None:
        raise Refusal("insufficient_stamps", needed=1, have=0)

    def crash() -> None:
        raise RuntimeError("disk on fire")

    tasks.run(refuse, on_refusal=refusals.append)
    tasks.run(crash, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(refusals and errors))
    assert refusals[0].code == "insufficient_stamps"
    assert str(errors[0]) == "disk on fire"


def test_task_result_is_dropped_when_its_owner_is_gone(qtbot: QtBot) -> None:
    tasks = Tasks()
    owner = QObject()
    seen: list[int] = []
    gate = threading.Event()
    tasks.run(lambda: gate.wait(5) and 1, seen.append, owner=owner)
    owner.deleteLater()
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gate.set()
    qtbot.waitUntil(lambda: not tasks.busy)
    assert seen == []


def test_a_task_brings_what_its_writes_changed_to_the_one_hook(qtbot: QtBot) -> None:
    tasks = Tasks()
    seen: list[str] = []

    def write() -> int:
        changes.report(Changes.STAMPS)  # as a core write does once it has committed
        changes.report(Changes.MESSAGES)
        return 7

    with qtbot.waitSignal(tasks.changed, timeout=5000) as blocker:
        tasks.run(write, lambda value: seen.append(f"done {value}"))
    assert blocker.args == [Changes.STAMPS | Changes.MESSAGES]
    assert seen == ["done 7"]  # the task's own callback came first


def test_a_task_that_changed_nothing_fires_no_change_notice(qtbot: QtBot) -> None:
    tasks = Tasks()
    with qtbot.assertNotEmitted(tasks.changed, wait=100):
        tasks.run(lambda: 1)
        qtbot.waitUntil(lambda: not tasks.busy)


def test_a_refused_task_still_reports_what_it_committed_first(qtbot: QtBot) -> None:
    tasks = Tasks()
    refused: list[str] = []

    def write_then_refuse() -> None:
        changes.report(Changes.CONTACTS)
        raise Refusal("contact_blocked")

    with qtbot.waitSignal(tasks.changed, timeout=5000) as blocker:
        tasks.run(write_then_refuse, on_refusal=lambda r: refused.append(r.code))
    assert blocker.args == [Changes.CONTACTS]
    assert refused == ["contact_blocked"]


def test_lockdown_lets_ordinary_typing_through(qtbot: QtBot) -> None:
    field = QLineEdit()
    qtbot.addWidget(field)
    app = QApplication.instance()
    assert app is not None
    guard = EscapeFilter()
    app.installEventFilter(guard)
    try:
        qtbot.keyClicks(field, "Hola x")
        qtbot.keyClick(field, Qt.Key.Key_Backspace)
        # QTest types ASCII only: the ñ key arrives as a real key event with its text.
        QApplication.sendEvent(
            field,
            QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Ntilde, Qt.KeyboardModifier.NoModifier, "ñ"),
        )
    finally:
        app.removeEventFilter(guard)
    assert field.text() == "Hola ñ"
    assert guard.swallowed == 0


def _names_used(path: Path) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.alias):
            used.add(node.name.split(".")[0])
            used.add(node.name.split(".")[-1])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setOpenExternalLinks"
            and any(isinstance(a, ast.Constant) and a.value is True for a in node.args)
        ):
            used.add("setOpenExternalLinks(True)")
    return used


def test_ui_never_opens_links_files_or_other_programs() -> None:
    banned = {
        "QFileDialog",
        "QDesktopServices",
        "openUrl",
        "setOpenExternalLinks(True)",
        "subprocess",
        "startfile",
        "popen",
        "execv",
        "execvp",
    }
    for path in UI.rglob("*.py"):
        if path.name in ("build_translations.py", "screenshots.py"):
            continue  # developer commands, never run by the terminal
        assert not _names_used(path) & banned, path.name


@pytest.mark.parametrize("name", theme.THEMES)
def test_theme_colour_pairs_meet_wcag_aa(name: str) -> None:
    palette = theme.load_palette(name)
    assert len(palette.pairs) >= 20
    for fg, bg, minimum in palette.pairs:
        ratio = theme.contrast_ratio(palette.colors[fg], palette.colors[bg])
        assert ratio >= minimum, f"{name}: {fg} on {bg} is {ratio:.2f}:1, needs {minimum}:1"


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert theme.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert theme.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


def _visible_controls(root: QWidget) -> list[QWidget]:
    controls: list[QWidget] = [w for w in root.findChildren(QAbstractButton) if w.isVisibleTo(root)]
    controls += [w for w in root.findChildren(QLineEdit) if w.isVisibleTo(root)]
    return controls


@pytest.mark.parametrize(("large", "language"), [(False, "en"), (True, "en"), (True, "es")])
@pytest.mark.parametrize(
    "screen",
    ["signin", "inbox", "compose", "stamps", "contacts", "new_message", "drafts", "help"],
)
def test_every_control_is_a_big_enough_named_touch_target_and_no_text_clips(
    signed_in: Terminal, screen: str, large: bool, language: str
) -> None:
    shell = signed_in.shell
    shell.set_language(language)
    signed_in.world.ledger(2)
    signed_in.world.debit(1000)
    signed_in.core.buy_stamps("book10")  # a pending line on the stamps screen
    signed_in.world.contact("c2", state="blocked", name="Luis Alberto Fernández")
    shell.set_large_text(large)
    if screen == "compose":
        signed_in.show("compose", contact=signed_in.core.contacts()[0])
    elif screen != "signin":
        signed_in.show(screen)
    else:
        signed_in.show("signin")
    QApplication.processEvents()
    root = shell.screens[screen]
    for control in _visible_controls(root) + _visible_controls(shell.topbar) * (screen != "signin"):
        assert control.accessibleName(), f"{control.objectName()} has no accessible name"
        assert control.height() >= 44 and control.width() >= 44, control.objectName()
        if isinstance(control, QAbstractButton) and control.text():
            assert control.width() >= control.sizeHint().width() - 1, control.text()
    for label in root.findChildren(QLabel):
        if label.isVisibleTo(root) and label.text() and label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()) - 1, label.text()
        elif label.isVisibleTo(root) and label.text():
            assert label.width() >= label.sizeHint().width() - 1, label.text()


def test_full_keyboard_navigation_reaches_sign_in_with_tab(terminal: Terminal) -> None:
    signin = terminal.shell.signin
    signin.language_buttons["en"].setFocus()
    reached = []
    for _ in range(8):
        terminal.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert signin.id_field in reached
    assert signin.pin_field in reached
    assert signin.sign_in_button in reached


def test_kiosk_window_fills_the_screen_as_a_plain_full_screen_window(qtbot: QtBot) -> None:
    from ui.lockdown import apply_kiosk_window

    window = QWidget()
    qtbot.addWidget(window)
    window.resize(853, 628)  # what cage showed with frameless and stay-on-top hints
    apply_kiosk_window(window)
    screen = window.screen()
    assert screen is not None
    assert window.isFullScreen()
    assert window.geometry() == screen.geometry()
    flags = window.windowFlags()
    # Hints that make Wayland compositors treat the window as something other than an app.
    assert not flags & Qt.WindowType.FramelessWindowHint
    assert not flags & Qt.WindowType.WindowStaysOnTopHint
    assert (flags & Qt.WindowType.WindowType_Mask) == Qt.WindowType.Window  # not a popup
    assert window.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu


def test_revoked_terminal_tells_whoever_is_at_the_sign_in_screen_to_call_it(
    terminal: Terminal,
) -> None:
    from sync.status import SyncStatus

    terminal.shell.show_sync_status(SyncStatus(state="revoked", call_it=True))
    notice = terminal.shell.signin.facility_notice
    assert notice.isVisible()
    assert notice.text() == "This terminal needs IT. Please tell staff."


def test_suspended_terminal_shows_out_of_service_not_offline(terminal: Terminal) -> None:
    from sync.status import SyncStatus

    # What the worker reports once the server suspended the device (it is offline too).
    status = SyncStatus(
        state="suspended", online=False, call_it=True, last_error="device_suspended"
    )
    terminal.shell.show_sync_status(status)
    notice = terminal.shell.signin.facility_notice
    assert notice.isVisible()
    assert notice.text() == "This terminal is out of service. Please tell staff."


def test_keyboard_alone_opens_a_conversation_and_starts_a_reply(signed_in: Terminal) -> None:
    signed_in.world.inbound(body="Hello")
    inbox: Any = signed_in.show("inbox")
    inbox.list.setFocus()
    signed_in.qtbot.keyClick(inbox.list, Qt.Key.Key_Down)
    signed_in.qtbot.keyClick(inbox.list, Qt.Key.Key_Return)
    signed_in.settle()
    assert signed_in.shell.current_key() == "conversation"
    conversation: Any = signed_in.shell.page("conversation")
    reached = []
    for _ in range(12):
        signed_in.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert conversation.reply_button in reached
    conversation.reply_button.setFocus()
    signed_in.qtbot.keyClick(conversation.reply_button, Qt.Key.Key_Space)
    signed_in.settle()
    assert signed_in.shell.current_key() == "compose"
