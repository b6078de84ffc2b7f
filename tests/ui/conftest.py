"""The resident terminal's screens, driven offscreen against the real core and a real store.

The facility is built by the domain tests' :class:`World` (changes applied
through ``kiosk.feed`` to a real SQLite file); the only stand-ins are the
clock and the sign-in directory, as there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from kiosk.core import Core
from kiosk.store.database import Store
from tests.unit.conftest import World
from ui import theme
from ui.announcer import announcer
from ui.context import Context
from ui.session_watch import SessionWatch
from ui.shell import Shell
from ui.tasks import Tasks

# The offscreen platform cannot resize native windows to size hints; it says so once per window.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/ui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture
def world(store: Store) -> World:
    """One facility: resident r1 (A1001, PIN 2468, Ana Ruiz) and approved contact c1 (Maria).

    Ana's record says English, so the screens stay in the kiosk's English after she signs
    in; the tests of a Spanish-speaking resident give her record ``language="es"``.
    """
    built = World(store)
    built.resident_language = "en"
    built.policy()
    built.resident()
    built.contact()
    return built


class Terminal:
    """The shell on the real core, with helpers that act as a resident would."""

    def __init__(self, qtbot: QtBot, world: World, core: Core, shell: Shell, watch: SessionWatch):
        self.qtbot = qtbot
        self.world = world
        self.core = core
        self.shell = shell
        self.watch = watch
        self.tasks = shell.context.tasks

    def settle(self) -> None:
        """Wait until every background task has delivered its result."""
        self.qtbot.waitUntil(lambda: not self.tasks.busy, timeout=10_000)
        QApplication.processEvents()
        self.qtbot.waitUntil(lambda: not self.tasks.busy, timeout=10_000)

    def type_on_keypad(self, field: QLineEdit, digits: str) -> None:
        signin = self.shell.signin
        self.qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
        for digit in digits:
            self.qtbot.mouseClick(signin.keypad.keys[digit], Qt.MouseButton.LeftButton)

    def sign_in(self, number: str = "A1001", pin: str = "2468") -> None:
        signin = self.shell.signin
        signin.id_field.setText(number)
        signin.pin_field.setText(pin)
        self.qtbot.mouseClick(signin.sign_in_button, Qt.MouseButton.LeftButton)
        self.settle()

    def click(self, widget: Any) -> None:
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        self.settle()

    def show(self, key: str, **kwargs: Any) -> Any:
        screen = self.shell.show_screen(key, **kwargs)
        self.settle()
        return screen


@pytest.fixture
def terminal(qtbot: QtBot, world: World) -> Iterator[Terminal]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply(app, theme.Appearance())
    tasks = Tasks()
    core = world.core()
    context = Context(tasks=tasks, core=core, now=world.clock)
    context.languages.set("en")
    shell = Shell(context)
    qtbot.addWidget(shell)
    watch = SessionWatch(core, tasks, shell)
    shell.attach_watch(watch)
    shell.resize(1280, 800)
    shell.show()
    qtbot.waitExposed(shell)
    shell.signin.refresh()  # as at start: facility status and time zone
    built = Terminal(qtbot, world, core, shell, watch)
    built.settle()
    yield built
    watch.stop()
    built.settle()
    context.languages.set("en")
    theme.apply(app, theme.Appearance())


@pytest.fixture
def signed_in(terminal: Terminal) -> Terminal:
    terminal.sign_in()
    assert terminal.shell.current_key() == "inbox"
    return terminal


@pytest.fixture
def said() -> Iterator[list[tuple[str, bool]]]:
    """What the screens announced to a screen reader (``ui.announcer``): (text, assertive)."""
    heard: list[tuple[str, bool]] = []

    def record(text: str, assertive: bool) -> None:
        heard.append((text, assertive))

    announcer().said.connect(record)
    yield heard
    announcer().said.disconnect(record)


def visible_texts(widget: Any) -> Callable[[], list[str]]:
    from PySide6.QtWidgets import QLabel

    return lambda: [label.text() for label in widget.findChildren(QLabel) if label.isVisible()]
