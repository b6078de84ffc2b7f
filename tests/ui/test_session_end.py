"""Session end: idle warning with a 20 s countdown and one-tap more time; nothing left behind."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from tests.ui.conftest import Terminal


def _tick(terminal: Terminal, seconds: float) -> None:
    terminal.world.clock.advance(seconds)
    terminal.watch.poll()
    terminal.settle()


def test_idle_warning_counts_down_from_at_least_20_seconds_and_more_time_resets_it(
    signed_in: Terminal,
) -> None:
    warning = signed_in.shell.idle_warning
    _tick(signed_in, 99)
    assert not warning.isVisible()
    _tick(signed_in, 1)
    assert warning.isVisible()
    assert warning.countdown.text() == ("Your session ends in 20 seconds unless you tap More time.")
    assert warning.more_button.isVisible()
    assert warning.more_button.hasFocus()
    _tick(signed_in, 5)
    assert "15 seconds" in warning.countdown.text()
    signed_in.click(warning.more_button)
    assert not warning.isVisible()
    _tick(signed_in, 60)
    assert signed_in.shell.current_key() == "inbox"


def test_idle_timeout_clears_every_screen_model_and_the_clipboard_but_keeps_the_draft(
    signed_in: Terminal,
) -> None:
    world = signed_in.world
    world.inbound(body="Private words")
    world.ledger(3)
    contact = signed_in.core.contacts()[0]
    conversation = signed_in.show("conversation", contact=contact)
    assert conversation.model.rowCount() == 1
    compose = signed_in.show("compose", contact=contact)
    compose.editor.setPlainText("Unfinished reply")
    QGuiApplication.clipboard().setText("Private words")
    _tick(signed_in, 121)
    shell = signed_in.shell
    assert shell.current_key() == "signin"
    assert not shell.topbar.isVisible()
    assert shell.resident is None
    assert "nothing happened for a while" in shell.signin.error.text()
    assert QGuiApplication.clipboard().text() == ""
    assert conversation.model.rowCount() == 0
    assert shell.page("inbox").model.rowCount() == 0  # type: ignore[attr-defined]
    assert shell.page("stamps").receipt_model.rowCount() == 0  # type: ignore[attr-defined]
    assert compose.editor.toPlainText() == ""
    for screen in shell.screens.values():
        texts = [w.text() for w in screen.findChildren(type(shell.signin.title))]
        assert not any("Private words" in t or "Unfinished reply" in t for t in texts)
    signed_in.sign_in()
    assert [d.body for d in signed_in.core.drafts()] == ["Unfinished reply"]


def test_session_cap_warns_without_more_time_then_ends(signed_in: Terminal) -> None:
    signed_in.world.policy(session_cap_s=300)
    signed_in.sign_in()  # the cap applies from this session's start
    signed_in.click(signed_in.shell.sign_out_button)
    signed_in.sign_in()
    for _ in range(2):
        signed_in.world.clock.advance(100)
        signed_in.core.touch()
    _tick(signed_in, 85)
    warning = signed_in.shell.idle_warning
    assert warning.isVisible()
    assert not warning.more_button.isVisible()
    assert "15 seconds" in warning.countdown.text()
    _tick(signed_in, 16)
    assert signed_in.shell.current_key() == "signin"
    assert "time limit" in signed_in.shell.signin.error.text()


def test_sign_out_returns_to_sign_in_with_nothing_of_the_resident(signed_in: Terminal) -> None:
    signed_in.click(signed_in.shell.sign_out_button)
    shell = signed_in.shell
    assert shell.current_key() == "signin"
    assert shell.resident_label.full_text() == ""
    assert signed_in.core.session_state() is None
