"""A failure on screen ends the resident's session calmly, is logged, and is counted for IT.

Each test installs the real exception hooks (:class:`ui.failure_hooks.FailureHooks`)
with the shell's :class:`ui.failure_guard.FailureGuard`, as ``kite`` does, and
raises inside a real slot of the real window: a button's ``clicked`` handler, a
background task's callback. (pytest-qt's own exception capture is off for them:
here the exception is the input, and the hooks are what is under test.)
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kiosk.failures import read_failures
from sync.admin import main as admin_main
from tests.ui.conftest import Terminal
from ui.failure_guard import RESTART_EXIT_CODE, FailureGuard
from ui.failure_hooks import ERROR_LOG, FAULT_LOG, LOG_DIR, FailureHooks

pytestmark = pytest.mark.qt_no_exception_capture

SECRET = "Half a reply about the hearing"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "kite-data"
    folder.mkdir()
    return folder


@pytest.fixture
def guarded(terminal: Terminal, data_dir: Path) -> Iterator[tuple[Terminal, FailureGuard]]:
    """The terminal with the hooks and guard ``kite`` installs, logging into ``data_dir``."""
    guard = FailureGuard(terminal.shell)
    hooks = FailureHooks(on_ui_failure=guard.ui_failed)
    hooks.install()
    hooks.use_data_dir(data_dir)
    try:
        yield terminal, guard
    finally:
        hooks.uninstall()


def _break_the_stamps_screen(terminal: Terminal) -> None:
    """A bug in a screen: opening it raises (in the nav button's clicked slot)."""
    stamps = terminal.shell.page("stamps")

    def broken() -> None:
        raise ZeroDivisionError(SECRET)  # a message that quotes a resident's words

    stamps.refresh = broken  # type: ignore[method-assign]


def _write_a_reply(terminal: Terminal) -> None:
    contact = terminal.core.contacts()[0]
    compose = terminal.show("compose", contact=contact)
    compose.editor.setPlainText(SECRET)  # type: ignore[attr-defined]


def test_an_exception_in_a_slot_keeps_the_draft_returns_to_sign_in_and_is_counted(
    guarded: tuple[Terminal, FailureGuard], data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal, guard = guarded
    terminal.sign_in()
    _write_a_reply(terminal)
    _break_the_stamps_screen(terminal)

    terminal.qtbot.mouseClick(terminal.shell.nav["stamps"], Qt.MouseButton.LeftButton)

    shell = terminal.shell
    terminal.qtbot.waitUntil(lambda: guard.handled == 1, timeout=10_000)
    terminal.settle()
    assert shell.current_key() == "signin"
    assert shell.resident is None
    assert not shell.topbar.isVisible()
    assert "Sorry, something went wrong" in shell.signin.error.text()
    tally = read_failures(data_dir)
    assert (tally.count, tally.last_kind, tally.last_where) == (1, "ZeroDivisionError", "ui")
    # The log has the class and the stack, never the message (it quotes the resident).
    logged = (data_dir / LOG_DIR / ERROR_LOG).read_text(encoding="utf-8")
    assert "ZeroDivisionError in ui" in logged and "in broken" in logged
    assert SECRET not in logged
    # kite-admin status shows IT the count and the last failure, nothing of the resident.
    config = data_dir.parent / "kite.toml"
    config.write_text(f'data_dir = "{data_dir}"\n', encoding="utf-8")
    capsys.readouterr()
    assert admin_main(["--config", str(config), "status"]) == 0
    status = capsys.readouterr().out
    assert "Failures:      1, last at" in status
    assert "ZeroDivisionError in ui" in status and SECRET not in status
    # The draft is kept: the same resident finds it when he signs in again.
    terminal.sign_in()
    assert [d.body for d in terminal.core.drafts()] == [SECRET]


def test_an_exception_in_a_task_callback_ends_the_session_calmly(
    guarded: tuple[Terminal, FailureGuard], data_dir: Path
) -> None:
    terminal, guard = guarded
    terminal.sign_in()
    _write_a_reply(terminal)

    def broken_callback(_value: int) -> None:
        raise KeyError("contact")

    terminal.tasks.run(lambda: 1, broken_callback)

    terminal.qtbot.waitUntil(lambda: guard.handled == 1, timeout=10_000)
    terminal.settle()
    assert terminal.shell.current_key() == "signin"
    assert read_failures(data_dir).last_kind == "KeyError"
    terminal.sign_in()
    assert [d.body for d in terminal.core.drafts()] == [SECRET]


def test_an_exception_at_the_sign_in_screen_empties_it_and_says_sorry(
    guarded: tuple[Terminal, FailureGuard], data_dir: Path
) -> None:
    terminal, guard = guarded
    signin = terminal.shell.signin
    signin.id_field.setText("A1001")

    def broken() -> None:
        raise RuntimeError("keypad")

    signin.large_text.toggled.connect(broken)
    terminal.qtbot.mouseClick(signin.large_text, Qt.MouseButton.LeftButton)

    terminal.qtbot.waitUntil(lambda: guard.handled == 1, timeout=10_000)
    assert signin.id_field.text() == ""
    assert signin.error.text() == "Sorry, something went wrong. Please try again."
    assert read_failures(data_dir).count == 1
    signin.large_text.toggled.disconnect(broken)
    terminal.shell.set_large_text(False)


def test_failures_in_a_burst_ask_for_a_restart_instead_of_carrying_on(
    guarded: tuple[Terminal, FailureGuard], data_dir: Path
) -> None:
    terminal, guard = guarded
    codes: list[int] = []
    guard.restart_requested.connect(codes.append)
    for _ in range(3):
        terminal.sign_in()
        _break_the_stamps_screen(terminal)  # each session's screens are new: break them again
        terminal.qtbot.mouseClick(terminal.shell.nav["stamps"], Qt.MouseButton.LeftButton)
        terminal.settle()
    assert guard.handled == 2  # the first two ended their sessions calmly
    assert codes == [RESTART_EXIT_CODE]
    assert read_failures(data_dir).count == 3


def test_an_exception_that_ends_a_thread_is_logged_and_counted_and_the_session_goes_on(
    guarded: tuple[Terminal, FailureGuard], data_dir: Path
) -> None:
    terminal, guard = guarded
    terminal.sign_in()

    def crash() -> None:
        raise ValueError(SECRET)

    thread = threading.Thread(target=crash, name="sync-push")
    thread.start()
    thread.join()

    tally = read_failures(data_dir)
    assert (tally.count, tally.last_kind, tally.last_where) == (1, "ValueError", "thread:sync-push")
    terminal.settle()
    assert guard.handled == 0 and terminal.shell.current_key() == "inbox"
    logged = (data_dir / LOG_DIR / ERROR_LOG).read_text(encoding="utf-8")
    assert "ValueError in thread:sync-push" in logged and SECRET not in logged


def test_a_hard_crash_leaves_every_threads_stack_in_the_log_folder(data_dir: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from ui.failure_hooks import FailureHooks\n"
        "hooks = FailureHooks(); hooks.install(); hooks.use_data_dir(Path(sys.argv[1]))\n"
        "import faulthandler; faulthandler._sigsegv()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode < 0  # killed by the signal, as a real segfault would
    logged = (data_dir / LOG_DIR / FAULT_LOG).read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in logged
    assert "<module>" in logged  # the stack, to the line that crashed
