"""The notice of review and retention, and the help screen.

Issue 14, item 5: nothing told a resident that messages are read by staff and kept, or
for how long. The notice shows at a resident's first sign-in on a terminal, with the
retention from the facility's policy (through the real server), once per resident;
the help screen always says it, with how stamps, return stamps and collect replies
work and that a rejected reply comes back as a draft, in the resident's language.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from tests.server.live import LiveServer, ok
from tests.ui.conftest import Terminal
from tests.ui.live import LiveShell, live_shell, spanish_resident


def _retention(world_server: LiveServer, credential: str) -> int:
    with world_server.client(credential) as terminal:
        days = ok(terminal.get("/v1/policy"))["retention_days"]
    assert isinstance(days, int)
    return days


def _settled(live: LiveShell) -> None:
    live.wait(lambda: not live.shell.context.tasks.busy)
    QApplication.processEvents()
    live.wait(lambda: not live.shell.context.tasks.busy)


def _sign_out(live: LiveShell) -> None:
    live.click(live.shell.sign_out_button)
    live.wait(lambda: live.shell.current_key() == "signin")


def test_the_notice_shows_at_each_residents_first_sign_in_with_the_policys_retention(
    qtbot: QtBot, central_server: LiveServer, tmp_path: Path
) -> None:
    world = central_server.world(residents=2)
    days = _retention(central_server, world.credential)
    with live_shell(qtbot, world, tmp_path / "kiosk") as live:
        live.sign_in(0)
        panel = live.page("inbox").account_notice
        # The policy comes through the sync worker's pull; its change notice updates it.
        live.wait(lambda: panel.isVisible() and f"kept for {days} days." in panel.body.text())
        assert "Facility staff read every message before it is delivered" in panel.body.text()
        assert panel.ok_button.text() == "I understand"
        live.click(panel.ok_button)
        assert not panel.isVisible()
        _settled(live)
        _sign_out(live)

        live.sign_in(0)  # the same resident: seen on this terminal
        _settled(live)
        assert not live.page("inbox").account_notice.isVisible()
        _sign_out(live)

        live.sign_in(1)  # the next resident at this terminal sees it too
        panel = live.page("inbox").account_notice
        live.wait(lambda: panel.isVisible() and f"kept for {days} days." in panel.body.text())


def _texts(root: QWidget) -> set[str]:
    found = {w.text() for w in root.findChildren(QLabel) if w.isVisibleTo(root) and w.text()}
    found |= {
        w.accessibleName()
        for w in root.findChildren(QAbstractButton)
        if w.isVisibleTo(root) and w.accessibleName()
    }
    return found


def test_a_spanish_resident_reads_the_notice_and_help_in_spanish_and_back_returns(
    qtbot: QtBot, central_server: LiveServer, tmp_path: Path
) -> None:
    world = central_server.world(residents=1)
    days = _retention(central_server, world.credential)
    number, pin = spanish_resident(world)
    with live_shell(qtbot, world, tmp_path / "kiosk") as live:
        signin = live.shell.signin
        live.wait(lambda: signin.sign_in_button.isEnabled())
        signin.id_field.setText(number)
        signin.pin_field.setText(pin)
        live.click(signin.sign_in_button)
        live.wait(lambda: live.shell.current_key() == "inbox")
        inbox = live.page("inbox")
        panel = inbox.account_notice
        live.wait(lambda: panel.isVisible() and f"durante {days} días." in panel.body.text())
        assert panel.heading.text() == "Sus mensajes se leen y se guardan"
        assert panel.ok_button.text() == "Entendido"
        assert inbox.help_button.accessibleName() == "Ayuda"

        live.click(inbox.help_button)
        assert live.shell.current_key() == "help"
        help_screen = live.page("help")
        live.wait(lambda: f"durante {days} días." in help_screen.texts["notice"].text())
        _settled(live)
        assert "El personal del centro lee cada mensaje" in help_screen.texts["notice"].text()
        assert "vuelve a usted como borrador" in help_screen.texts["rejected"].text()
        spanish = _texts(help_screen)
        live.shell.set_language("en")
        QApplication.processEvents()  # the translator's LanguageChange is posted
        english = _texts(help_screen)
        live.shell.set_language("es")
        QApplication.processEvents()
        assert _texts(help_screen) == spanish
        assert len(english) >= 12 and len(spanish) == len(english)
        assert not spanish & english, f"English on the Spanish help screen: {spanish & english}"

        live.click(help_screen.back_button)
        assert live.shell.current_key() == "inbox"


def test_help_is_reachable_from_the_inbox_says_the_policys_rules_and_back_returns(
    signed_in: Terminal,
) -> None:
    shell = signed_in.shell
    inbox = shell.page("inbox")
    assert inbox.account_notice.isVisible()  # the world's policy says no retention
    assert "kept for a time the facility decides" in inbox.account_notice.body.text()
    signed_in.click(inbox.help_button)
    signed_in.settle()
    assert shell.current_key() == "help"
    help_screen = shell.page("help")
    texts = {key: label.text() for key, label in help_screen.texts.items()}
    assert "Facility staff read every message before it is delivered" in texts["notice"]
    assert "kept for a time the facility decides" in texts["notice"]
    assert "Each message you send costs 1 stamp." in texts["stamps"]
    assert "return stamp" in texts["return_stamps"]
    assert texts["collect"] == "This facility does not allow collect replies."
    assert "A rejected reply comes back to you as a draft" in texts["rejected"]
    assert "The stamp it used is given back to you." in texts["rejected"]
    signed_in.click(help_screen.back_button)
    signed_in.settle()
    assert shell.current_key() == "inbox"
    assert inbox.account_notice.isVisible()  # not acknowledged: still there


def test_the_inbox_header_with_help_and_the_notice_fit_a_portrait_screen_at_large_text(
    signed_in: Terminal,
) -> None:
    shell = signed_in.shell
    signed_in.core.save_draft("c1", None, "Hola")  # Drafts (1) in the header too
    shell.set_language("es")
    shell.set_large_text(True)
    shell.resize(800, 1280)
    for key in ("inbox", "help"):
        root = signed_in.show(key)
        QApplication.processEvents()
        controls = [w for w in root.findChildren(QAbstractButton) if w.isVisibleTo(root)]
        for control in controls:
            assert control.accessibleName(), control.objectName()
            assert control.height() >= 44 and control.width() >= 44, control.objectName()
            if control.text():
                assert control.width() >= control.sizeHint().width() - 1, control.text()
            assert control.geometry().right() <= control.parentWidget().width()
        for label in root.findChildren(QLabel):
            if label.isVisibleTo(root) and label.text() and label.wordWrap():
                assert label.height() >= label.heightForWidth(label.width()) - 1, label.text()
    inbox = signed_in.show("inbox")
    assert inbox.account_notice.isVisible() and inbox.drafts_button.isVisible()
