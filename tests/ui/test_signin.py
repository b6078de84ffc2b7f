"""Signing in: keypad entry, refusals with reasons, lockout time, closed hours, suspension."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QLineEdit

from kiosk.errors import Refusal
from tests.ui.conftest import Terminal


def test_resident_signs_in_with_the_keypad_and_lands_in_the_inbox(terminal: Terminal) -> None:
    signin = terminal.shell.signin
    signin.id_field.setText("A")
    terminal.type_on_keypad(signin.id_field, "1001")
    terminal.type_on_keypad(signin.pin_field, "24689")
    terminal.click(signin.keypad.keys["back"])
    assert signin.id_field.text() == "A1001"
    assert signin.pin_field.echoMode() == QLineEdit.EchoMode.Password
    terminal.click(signin.sign_in_button)
    assert terminal.shell.current_key() == "inbox"
    assert terminal.shell.resident_label.full_text() == "Ana Ruiz"
    assert signin.pin_field.text() == ""


def test_wrong_pin_says_the_pair_does_not_match_and_clears_the_pin(
    terminal: Terminal, said: list[tuple[str, bool]]
) -> None:
    terminal.sign_in(pin="1111")
    signin = terminal.shell.signin
    assert terminal.shell.current_key() == "signin"
    assert signin.error.isVisible()
    assert "do not match" in signin.error.text()
    assert signin.pin_field.text() == ""
    assert said == [(signin.error.text(), True)]


def test_lockout_tells_how_many_minutes_are_left(terminal: Terminal) -> None:
    for _ in range(5):
        terminal.sign_in(pin="0000")
    terminal.world.clock.advance(4 * 60)
    terminal.sign_in()  # even the right PIN waits out the lock
    text = terminal.shell.signin.error.text()
    assert terminal.shell.current_key() == "signin"
    assert "locked" in text
    assert "11 min" in text


def test_closed_hours_show_when_service_opens_and_disable_sign_in(terminal: Terminal) -> None:
    # 15:00 UTC on Monday is 09:00 in Chicago; open only on Tuesdays from 07:00.
    terminal.world.policy(hours=[{"weekday": 1, "opens": "07:00", "closes": "19:00"}])
    signin = terminal.shell.signin
    signin.refresh()
    terminal.settle()
    assert signin.facility_notice.isVisible()
    assert "opens again" in signin.facility_notice.text()
    assert "Tuesday" in signin.facility_notice.text()
    assert not signin.sign_in_button.isEnabled()


def test_suspended_messaging_is_announced_but_reading_still_allowed(terminal: Terminal) -> None:
    terminal.world.policy(messaging_suspended=True, suspended_reason="Facility count in progress")
    signin = terminal.shell.signin
    signin.refresh()
    terminal.settle()
    assert "paused" in signin.facility_notice.text()
    assert "Facility count in progress" in signin.facility_notice.text()
    assert signin.sign_in_button.isEnabled()
    terminal.sign_in()
    assert terminal.shell.current_key() == "inbox"


def test_choosing_spanish_before_sign_in_translates_the_screen(terminal: Terminal) -> None:
    signin = terminal.shell.signin
    terminal.click(signin.language_buttons["es"])
    assert signin.sign_in_button.text() == "Entrar"
    assert signin.id_label.text() == "Número de identificación"
    assert signin.language_buttons["es"].isChecked()  # type: ignore[attr-defined]
    terminal.sign_in(pin="1111")
    assert "no coinciden" in signin.error.text()
    terminal.click(signin.language_buttons["en"])
    assert signin.sign_in_button.text() == "Sign in"


def test_pin_cannot_be_pasted(terminal: Terminal) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QKeyEvent

    QGuiApplication.clipboard().setText("2468")
    pin = terminal.shell.signin.pin_field
    pin.setFocus()
    event = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier, "v")
    QGuiApplication.sendEvent(pin, event)
    assert pin.text() == ""


def test_times_follow_the_facility_zone_that_arrived_after_the_sign_in_screen_loaded(
    terminal: Terminal,
) -> None:
    from datetime import UTC, datetime

    from ui.formatting import set_time_zone, time_of_day

    noon_utc = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert time_of_day(noon_utc) == "06:00"  # Chicago, as the screen loaded
    # A new policy arrives by sync while the sign-in screen waits (no refresh yet).
    terminal.world.policy(timezone="Asia/Tokyo")
    try:
        terminal.sign_in()
        assert terminal.shell.current_key() == "inbox"
        assert time_of_day(noon_utc) == "21:00"
    finally:
        set_time_zone("America/Chicago")


def test_throttled_sign_in_tells_the_resident_how_long_to_wait_not_offline(
    terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(facility_number: str, pin_code: str) -> None:
        raise Refusal("throttled", seconds=42)  # what the server's 429 becomes

    monkeypatch.setattr(terminal.world.directory, "authenticate", busy)
    terminal.sign_in()
    text = terminal.shell.signin.error.text()
    assert terminal.shell.current_key() == "signin"
    assert "wait 42 seconds" in text
    assert "offline" not in text.lower()
    terminal.shell.set_language("es")
    terminal.settle()
    terminal.sign_in()
    assert "42 segundos" in terminal.shell.signin.error.text()


def test_the_pin_never_enters_the_widget_text_however_it_is_typed(terminal: Terminal) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    from ui.widgets.secret_field import MASK

    signin = terminal.shell.signin
    pin = signin.pin_field
    terminal.type_on_keypad(pin, "24")
    terminal.qtbot.keyClicks(pin, "68")
    terminal.qtbot.keyClick(pin, Qt.Key.Key_Backspace)
    terminal.qtbot.keyClicks(pin, "8")
    terminal.qtbot.keyClick(pin, Qt.Key.Key_Left)  # editing inside a secret does nothing
    terminal.qtbot.keyClick(pin, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    pin.undo()
    QGuiApplication.clipboard().setText("")
    pin.copy()
    assert pin.secret() == "2468"
    assert pin.text() == MASK * 4
    assert QGuiApplication.clipboard().text() == ""
    signin.id_field.setText("A1001")
    terminal.qtbot.keyClick(pin, Qt.Key.Key_Return)
    terminal.settle()
    assert terminal.shell.current_key() == "inbox"
    assert pin.secret() == pin.text() == ""
