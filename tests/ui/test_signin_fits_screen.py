"""The sign-in screen fits every display Kite ships on without clipping.

Kiosks and tablets come at 1280x720, 1280x800, 1920x1080 and portrait 800x1280; one
window is laid out at each size in turn (cheaper than a window per size).

At normal text every button is on screen with no scrolling, even with the facility's
notice and an error showing; at large text the screen may scroll, but Sign in stays
reachable. Real widgets, offscreen, at the real window sizes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QApplication

from tests.ui.conftest import Terminal
from ui import theme
from ui.screens.signin import SignInScreen

SCREENS = [(1280, 720), (1280, 800), (1920, 1080), (800, 1280)]
LONG_NOTICE = (
    "The facility has paused sending messages. You can still sign in and read.\n"
    "Count in progress in every housing unit until further notice from staff."
)
LONG_ERROR = "Wrong facility ID number or PIN. Check both and try again."


@pytest.fixture
def busy_signin(terminal: Terminal) -> Iterator[SignInScreen]:
    """The sign-in screen at its tallest: a facility notice and an error both showing."""
    signin = terminal.shell.signin
    signin.show_facility_problem(LONG_NOTICE)
    signin.show_message(LONG_ERROR)
    yield signin


def lay_out(terminal: Terminal, size: tuple[int, int], *, large: bool, language: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    terminal.shell.context.languages.set(language)
    theme.apply(app, theme.Appearance(large_text=large))
    terminal.shell.resize(*size)
    for _ in range(3):
        QApplication.processEvents()


def visible_rect(signin: SignInScreen, widget: QAbstractButton) -> QRect:
    viewport = signin.scroll_area.viewport()
    top_left = widget.mapTo(viewport, widget.rect().topLeft())
    return QRect(top_left, widget.size())


def buttons(signin: SignInScreen) -> list[QAbstractButton]:
    found = [b for b in signin.findChildren(QAbstractButton) if b.isVisible()]
    assert signin.sign_in_button in found
    return found


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_sign_in_button_is_on_screen_at_normal_text(
    terminal: Terminal, busy_signin: SignInScreen, language: str
) -> None:
    for size in SCREENS:
        lay_out(terminal, size, large=False, language=language)
        hint = busy_signin.minimumSizeHint()
        assert hint.width() <= size[0] and hint.height() <= size[1], size
        assert (terminal.shell.width(), terminal.shell.height()) == size
        viewport = busy_signin.scroll_area.viewport().rect()
        # The content fits the viewport: nothing is hidden below the screen's edge.
        assert busy_signin.scroll_area.verticalScrollBar().maximum() == 0, size
        assert busy_signin.scroll_area.horizontalScrollBar().maximum() == 0, size
        for button in buttons(busy_signin):
            assert viewport.contains(visible_rect(busy_signin, button)), (size, button.objectName())


def test_sign_in_button_stays_reachable_at_large_text(
    terminal: Terminal, busy_signin: SignInScreen
) -> None:
    for size in SCREENS:
        lay_out(terminal, size, large=True, language="es")
        assert terminal.shell.height() == size[1]  # the window is not pushed past the screen
        bar = busy_signin.scroll_area.verticalScrollBar()
        bar.setValue(bar.maximum())  # the resident scrolls down
        QApplication.processEvents()
        viewport = busy_signin.scroll_area.viewport().rect()
        assert viewport.contains(visible_rect(busy_signin, busy_signin.sign_in_button)), size
