"""Session end: idle warning with a 20 s countdown and one-tap more time; nothing left behind."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from kiosk import drafts
from tests.ui.conftest import Terminal


def _tick(terminal: Terminal, seconds: float) -> None:
    terminal.world.clock.advance(seconds)
    terminal.watch.poll()
    terminal.settle()


def test_idle_warning_counts_down_from_at_least_20_seconds_and_more_time_resets_it(
    signed_in: Terminal, said: list[tuple[str, bool]]
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
    assert said == [  # once as it appears, not each second
        (
            "Are you still there? Your session ends in 20 seconds unless you tap More time.",
            True,
        )
    ]
    signed_in.click(warning.more_button)
    assert not warning.isVisible()
    _tick(signed_in, 60)
    assert signed_in.shell.current_key() == "inbox"


def test_idle_timeout_clears_every_screen_model_and_the_clipboard_but_keeps_the_draft(
    signed_in: Terminal, said: list[tuple[str, bool]]
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
    assert (shell.signin.error.text(), True) in said
    assert QGuiApplication.clipboard().text() == ""
    # The session's screens and models are not emptied but destroyed whole; new ones are empty.
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not isValid(conversation) and not isValid(conversation.model)
    assert not isValid(compose) and not isValid(compose.editor)
    assert shell.page("conversation").model.rowCount() == 0  # type: ignore[attr-defined]
    assert shell.page("inbox").model.rowCount() == 0  # type: ignore[attr-defined]
    assert shell.page("stamps").receipt_model.rowCount() == 0  # type: ignore[attr-defined]
    assert shell.page("compose").editor.toPlainText() == ""  # type: ignore[attr-defined]
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


def test_closing_time_warns_then_ends_the_session_and_sign_in_says_when_it_opens(
    signed_in: Terminal,
) -> None:
    # 09:00 Monday at the facility; service ends at 09:10 and opens again Tuesday 08:00.
    signed_in.world.policy(
        hours=[
            {"weekday": 0, "opens": "08:00", "closes": "09:10"},
            {"weekday": 1, "opens": "08:00", "closes": "12:00"},
        ]
    )
    signed_in.click(signed_in.shell.sign_out_button)
    signed_in.sign_in()  # the new hours apply from this session's start
    contact = signed_in.core.contacts()[0]
    compose = signed_in.show("compose", contact=contact)
    compose.editor.setPlainText("Before closing")
    for _ in range(9):
        signed_in.world.clock.advance(60)
        signed_in.core.touch()
    _tick(signed_in, 45)
    warning = signed_in.shell.idle_warning
    assert warning.isVisible()
    assert warning.title.text() == "Messaging closes soon"
    assert "closes in 15 seconds" in warning.countdown.text()
    assert not warning.more_button.isVisible()
    _tick(signed_in, 16)
    signin = signed_in.shell.signin
    assert signed_in.shell.current_key() == "signin"
    assert "Messaging has closed for now" in signin.error.text()
    assert signin.facility_notice.isVisible()
    assert signin.facility_notice.text().startswith("Messaging is closed. It opens again")
    assert not signin.sign_in_button.isEnabled()
    with signed_in.world.store.read() as db:
        assert [d.body for d in drafts.list_drafts(db, "r1")] == ["Before closing"]


def test_second_resident_signs_in_right_after_the_first_timed_out(signed_in: Terminal) -> None:
    signed_in.world.resident("r2", "A1002", "Luis Vega", "1357")
    compose = signed_in.show("compose", contact=signed_in.core.contacts()[0])
    compose.editor.setPlainText("Left behind")
    signed_in.world.clock.advance(121)
    signed_in.watch.poll()
    # The next resident types at once: no waiting for the first session's drafts to be saved.
    signed_in.qtbot.waitUntil(lambda: signed_in.shell.current_key() == "signin")
    signed_in.sign_in("A1002", "1357")
    assert signed_in.shell.current_key() == "inbox"
    assert signed_in.shell.resident_label.full_text() == "Luis Vega"
    with signed_in.world.store.read() as db:
        assert [d.body for d in drafts.list_drafts(db, "r1")] == ["Left behind"]


def test_an_expired_session_the_shell_never_ended_does_not_block_the_next_resident(
    terminal: Terminal,
) -> None:
    # As when ending a session failed to reach the core (its write failed): the core still
    # holds a timed-out session while the kiosk already shows sign-in.
    terminal.world.resident("r2", "A1002", "Luis Vega", "1357")
    terminal.core.sign_in("A1001", "2468")
    terminal.world.clock.advance(121)
    terminal.sign_in("A1002", "1357")
    assert terminal.shell.current_key() == "inbox"
    assert terminal.shell.resident_label.full_text() == "Luis Vega"
