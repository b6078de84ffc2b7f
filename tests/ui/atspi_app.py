"""Kite's window on the accessibility bus, driven by ``tests/ui/test_atspi.py``.

Run under Xvfb (``QT_QPA_PLATFORM=xcb``) with ``QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1``
and a D-Bus session whose accessibility bus the AT-SPI client listens on. It builds
the shell on the real core over a real SQLite store (as ``tests/ui/cage_session.py``
does) and acts as a resident with the keyboard and the touch screen, one command a
line on stdin (JSON); each answer is one JSON line on stdout with the screen in front
and the widget that has the focus.

Commands: ``{"do": "keys", "text": "2468"}`` types on the focused widget;
``{"do": "key", "key": "Tab"}`` presses one key (``Qt.Key_<name>``);
``{"do": "click", "widget": OBJECT_NAME}`` taps a visible widget;
``{"do": "keypad", "text": "2468C"}`` taps the sign-in keypad's keys (``C`` Clear,
``B`` Delete); ``{"do": "reset_signin"}`` empties the sign-in fields;
``{"do": "show", "screen": "stamps"}`` brings a screen forward as its button would (the
conversation and compose with the first contact); ``{"do": "noop"}`` only answers;
``{"do": "mark", "n": 3}`` sets the window's accessible description to a marker, which
the client hears after every event the steps before it caused;
``{"do": "quit"}``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSocketNotifier, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.stores import fresh_store
from tests.unit.conftest import World
from ui import theme
from ui.context import Context
from ui.shell import Shell
from ui.tasks import Tasks

MARK = "kite-test-mark-"
KEYPAD = {"C": "clear", "B": "back"}  # the keypad's Clear and Delete keys
RESIDENT = {"number": "A1001", "pin": "2468", "name": "Ana Ruiz"}
SPANISH = {"number": "B2002", "pin": "1357", "name": "Benito Ortiz"}


def build_world(folder: Path) -> World:
    world = World(fresh_store(folder / "kite.db"))
    world.resident_language = "en"
    world.policy()
    world.resident("r1", RESIDENT["number"], RESIDENT["name"], RESIDENT["pin"])
    world.contact("c1", "r1", name="Maria")
    world.inbound(contact_id="c1", resident_id="r1", body="A letter for Ana")
    # A Spanish speaker: the screens speak his record's language once he is signed in.
    world.resident("r2", SPANISH["number"], SPANISH["name"], SPANISH["pin"], language="es")
    world.contact("c2", "r2", name="Carmen")
    world.inbound(contact_id="c2", resident_id="r2", body="Una carta para Benito")
    return world


def describe_widget(widget: QWidget | None) -> dict[str, Any] | None:
    if widget is None:
        return None
    return {
        "object": widget.objectName(),
        "class": type(widget).__name__,
        "name": widget.accessibleName(),
    }


class Driver:
    """Reads commands from stdin on the Qt event loop and answers each."""

    def __init__(self, folder: Path) -> None:
        self.app = QApplication(sys.argv[:1])
        self.app.setApplicationName("Kite")  # as ui/main.py names it
        self.app.setCursorFlashTime(0)
        theme.apply(self.app, theme.Appearance())
        self.world = build_world(folder)
        self.tasks = Tasks(self.app)
        context = Context(tasks=self.tasks, core=self.world.core(), now=self.world.clock)
        context.languages.set("en")
        self.shell = Shell(context)
        self.shell.resize(1280, 800)
        self.shell.show()
        # No window manager runs under Xvfb: the window asks for the input focus itself.
        self.shell.activateWindow()
        self.shell.signin.refresh()
        self.notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
        self.notifier.activated.connect(self.read)

    def settle(self) -> None:
        for _ in range(200):
            QApplication.processEvents()
            if not self.tasks.busy:
                break
            QTest.qWait(20)
        QApplication.processEvents()

    def find(self, object_name: str) -> QWidget:
        for widget in self.shell.findChildren(QWidget, object_name):
            if widget.isVisible():
                return widget
        raise LookupError(f"no visible widget named {object_name!r}")

    def wait_until_active(self) -> None:
        """Until the X server gave the window the input focus (so no activation arrives
        in the middle of a test and moves the focus)."""
        for _ in range(500):
            if self.shell.isActiveWindow() and QApplication.focusWidget() is not None:
                return
            self.shell.activateWindow()
            QTest.qWait(20)
        raise TimeoutError("the window never became active")

    def focused(self) -> QWidget:
        for _ in range(250):
            widget = QApplication.focusWidget()
            if widget is not None:
                return widget
            self.shell.activateWindow()
            QTest.qWait(20)
        raise LookupError("no widget has the focus")

    def press(self, key: Qt.Key, text: str = "") -> None:
        """One key, pressed and released on the focused widget.

        Sent, not simulated as spontaneous input: Qt's AT-SPI bridge holds every
        spontaneous key back until the registry answers whether a screen reader takes
        it, then posts it again, so a simulated key would arrive after the answer.
        """
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
            QApplication.sendEvent(self.focused(), event)

    def read(self) -> None:
        line = sys.stdin.readline()
        if not line:
            self.app.exit(0)
            return
        command = json.loads(line)
        try:
            self.run(command)
            answer: dict[str, Any] = {"ok": True}
        except Exception as exc:
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        self.settle()
        answer["screen"] = self.shell.current_key()
        answer["focus"] = describe_widget(QApplication.focusWidget())
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()

    def run(self, command: dict[str, Any]) -> None:
        what = command["do"]
        if what == "keys":
            for char in command["text"]:
                self.press(Qt.Key(ord(char.upper())), char)
        elif what == "key":
            self.press(getattr(Qt.Key, f"Key_{command['key']}"))
        elif what == "click":
            QTest.mouseClick(self.find(command["widget"]), Qt.MouseButton.LeftButton)
        elif what == "keypad":
            keys = self.shell.signin.keypad.keys
            for key in command["text"]:
                widget = keys[KEYPAD.get(key, key)]
                QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        elif what == "reset_signin":
            self.shell.signin.clear()  # as at a session's end: the ID field next
            self.shell.signin.id_field.setFocus()
        elif what == "show":
            key = command["screen"]
            if key in ("conversation", "compose"):
                core = self.shell.context.core
                assert core is not None
                contact = core.contacts()[0]
                self.shell.show_screen(key, contact=contact)
            else:
                self.shell.show_screen(key)
        elif what == "noop":
            pass
        elif what == "mark":
            self.shell.setAccessibleDescription(f"{MARK}{command['n']}")
        elif what == "quit":
            self.app.exit(0)
        else:
            raise ValueError(f"unknown command {what!r}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kite-atspi-") as folder:
        driver = Driver(Path(folder))
        driver.wait_until_active()
        sys.stdout.write(json.dumps({"ready": True}) + "\n")
        sys.stdout.flush()
        return driver.app.exec()


if __name__ == "__main__":
    sys.exit(main())
