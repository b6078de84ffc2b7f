"""One's own language: the resident's applies at sign-in, switches while signed in, resets at
sign-out.

Issue 14: a resident whose record says Spanish got English after sign-in; there was no
switch once signed in; the language one resident picked stayed on the kiosk for the next.
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.server.live import LiveServer
from tests.ui.conftest import Terminal
from tests.ui.live import LiveShell, live_shell, spanish_resident


def test_a_spanish_record_signs_in_to_spanish_and_sign_out_gives_the_kiosk_back_its_english(
    terminal: Terminal,
) -> None:
    terminal.world.resident(language="es")
    assert terminal.shell.signin.sign_in_button.text() == "Sign in"
    terminal.sign_in()
    shell = terminal.shell
    inbox = shell.page("inbox")
    assert shell.context.languages.current == "es"
    assert inbox.title.text() == "Mensajes"
    assert inbox.new_button.text() == "Mensaje nuevo"
    assert inbox.language_button.accessibleName() == "English"
    terminal.click(shell.sign_out_button)
    assert shell.current_key() == "signin"
    assert shell.context.languages.current == "en"
    assert shell.signin.sign_in_button.text() == "Sign in"


def test_every_screen_reads_the_new_language_the_moment_it_is_chosen(terminal: Terminal) -> None:
    """Qt posts the change to each window; a screen shown before that event was delivered
    (a sign-in answer switching language and page at once) read in the old language."""
    shell = terminal.shell
    try:
        shell.context.languages.set("es")  # no event-loop turn after this
        assert shell.signin.sign_in_button.text() == "Entrar"
        assert shell.page("inbox").title.text() == "Mensajes"
    finally:
        shell.context.languages.set("en")
    assert shell.signin.sign_in_button.text() == "Sign in"


def test_a_resident_switches_language_while_signed_in_and_finds_it_at_the_next_sign_in(
    signed_in: Terminal,
) -> None:
    shell = signed_in.shell
    inbox = shell.page("inbox")
    assert inbox.title.text() == "Messages"
    assert inbox.language_button.accessibleName() == "Español"
    assert inbox.language_button.toolTip() == "Español"
    signed_in.click(inbox.language_button)
    assert shell.context.languages.current == "es"
    assert inbox.title.text() == "Mensajes"
    assert shell.nav["stamps"].text() == "Estampillas"
    assert inbox.language_button.accessibleName() == "English"
    signed_in.settle()
    assert signed_in.core.resident().language == "es"  # kept on this terminal
    signed_in.click(shell.sign_out_button)
    assert shell.context.languages.current == "en"  # the next person gets the kiosk's
    signed_in.sign_in()
    assert shell.context.languages.current == "es"
    assert shell.page("inbox").title.text() == "Mensajes"


def test_the_record_language_from_the_real_server_applies_at_sign_in(
    qtbot: QtBot, central_server: LiveServer, tmp_path: Path
) -> None:
    world = central_server.world(residents=1)
    number, pin = spanish_resident(world)
    with live_shell(qtbot, world, tmp_path / "kiosk") as live:
        _sign_in_as(live, number, pin)
        assert live.shell.context.languages.current == "es"
        assert live.page("inbox").title.text() == "Mensajes"
        live.click(live.shell.sign_out_button)
        live.wait(lambda: live.shell.current_key() == "signin")
        assert live.shell.context.languages.current == "en"
        live.sign_in()  # Resident 0's record says English
        assert live.page("inbox").title.text() == "Messages"


def _sign_in_as(live: LiveShell, number: str, pin: str) -> None:
    signin = live.shell.signin
    live.wait(lambda: signin.sign_in_button.isEnabled())
    signin.id_field.setText(number)
    signin.pin_field.setText(pin)
    live.click(signin.sign_in_button)
    live.wait(lambda: live.shell.current_key() == "inbox")
