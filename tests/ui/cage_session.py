"""The kiosk as a real Wayland client: run inside ``cage`` by ``tests/ui/cage.py``.

It builds the terminal's window exactly as ``kite`` does in kiosk mode
(:func:`ui.lockdown.prepare_kiosk_platform` before the application,
:func:`ui.lockdown.lock_down` after the shell) on the real core over a real SQLite
store, then acts as residents and as a hostile caller would: asks for a normal
and a minimised window, signs a resident in and out, the next one in. After each
step it waits until the compositor shows what the app drew (``grim`` takes the
output, ``QWidget.grab`` the app's own rendering, and the two agree) or a
deadline passes, and keeps both images. The test judges them; this only records.

Usage: ``python -m tests.ui.cage_session OUT_DIR`` (a ``results.json`` is written there).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tests.stores import fresh_store
from tests.unit.conftest import World
from ui import theme
from ui.context import Context
from ui.lockdown import lock_down, prepare_kiosk_platform
from ui.shell import Shell
from ui.tasks import Tasks

# The first resident's data: none of it may reach the next resident's screen.
FIRST = {"number": "A1001", "pin": "2468", "name": "Ana Ruiz", "contact": "Quentin Markerson"}
NEXT = {"number": "B2002", "pin": "1357", "name": "Benito Ortiz", "contact": "Carmen"}
STEP_DEADLINE_S = 8.0
CARET_PIXELS = 64  # a text cursor: 2 x 32 pixels at most; a title bar is thousands


def differing_pixels(a: QImage, b: QImage) -> int:
    """How many pixels differ (all of them, when the sizes differ)."""
    if a.size() != b.size():
        return max(a.width() * a.height(), b.width() * b.height())
    a = a.convertToFormat(QImage.Format.Format_RGB32)
    b = b.convertToFormat(QImage.Format.Format_RGB32)
    stride, width = a.bytesPerLine(), a.width() * 4
    bits_a, bits_b = bytes(a.constBits()), bytes(b.constBits())
    count = 0
    for start in range(0, a.height() * stride, stride):
        row_a, row_b = bits_a[start : start + width], bits_b[start : start + width]
        if row_a != row_b:
            count += sum(row_a[i : i + 4] != row_b[i : i + 4] for i in range(0, width, 4))
    return count


def same_picture(shown: QImage, drawn: QImage) -> bool:
    """Equal but for the text cursor, which the compositor and a grab draw differently."""
    return differing_pixels(shown, drawn) <= CARET_PIXELS


def build_world(folder: Path) -> World:
    world = World(fresh_store(folder / "kite.db"))
    world.policy()
    for rid, who in (("r1", FIRST), ("r2", NEXT)):
        world.resident(rid, who["number"], who["name"], who["pin"])
        world.contact(f"c-{rid}", rid, name=who["contact"])
        world.inbound(contact_id=f"c-{rid}", resident_id=rid, body=f"A letter for {who['name']}")
    return world


class Session:
    """Runs the steps one after another on the event loop and records each capture."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.world = build_world(out)
        prepare_kiosk_platform()
        self.app = QApplication(sys.argv[:1])
        self.app.setCursorFlashTime(0)  # a steady text cursor: the two images can agree
        theme.apply(self.app, theme.Appearance())
        self.tasks = Tasks(self.app)
        context = Context(
            tasks=self.tasks, core=self.world.core(), now=self.world.clock, mode="kiosk"
        )
        context.languages.set("en")
        self.shell = Shell(context)
        self.guard = lock_down(self.app, self.shell).guard
        self.shell.signin.refresh()
        self.results: dict[str, Any] = {"platform": self.app.platformName(), "steps": []}
        self.steps: list[tuple[str, Callable[[], None], Callable[[], bool]]] = [
            ("signin", lambda: None, lambda: self.on("signin")),
            ("signin-after-show-normal", self.shell.showNormal, lambda: self.on("signin")),
            ("signin-after-show-minimized", self.shell.showMinimized, lambda: self.on("signin")),
            ("next-resident-first", lambda: self.sign_in(NEXT), lambda: self.on("inbox")),
            ("next-resident-signed-out", self.sign_out, lambda: self.on("signin")),
            ("first-resident", lambda: self.sign_in(FIRST), lambda: self.on("inbox")),
            ("after-first-resident", self.sign_out, lambda: self.on("signin")),
            ("next-resident-after-first", lambda: self.sign_in(NEXT), lambda: self.on("inbox")),
        ]

    def on(self, key: str) -> bool:
        return self.shell.current_key() == key and not self.tasks.busy

    def sign_in(self, who: dict[str, str]) -> None:
        signin = self.shell.signin
        signin.id_field.setText(who["number"])
        signin.pin_field.setText(who["pin"])
        signin.sign_in_button.click()

    def sign_out(self) -> None:
        self.shell.sign_out_button.click()

    def run(self) -> int:
        QTimer.singleShot(0, self.next_step)
        code = self.app.exec()
        (self.out / "results.json").write_text(json.dumps(self.results, indent=2))
        return code

    def next_step(self) -> None:
        if not self.steps:
            self.app.exit(0)  # the kiosk window refuses the closes quit() makes
            return
        name, act, ready = self.steps.pop(0)
        act()
        self.wait(name, ready, time.monotonic() + STEP_DEADLINE_S)

    def window_settled(self) -> bool:
        window, screen = self.shell, self.shell.screen()
        return (
            window.isFullScreen()
            and not window.isMinimized()
            and window.geometry() == screen.geometry()
        )

    def wait(self, name: str, ready: Callable[[], bool], deadline: float) -> None:
        """Poll until the step's screen is up and the output shows the app's own rendering."""
        late = time.monotonic() > deadline
        up = late or (ready() and self.window_settled())
        if up and (self.capture(name) or late):
            self.record(name, late)
            QTimer.singleShot(0, self.next_step)
            return
        QTimer.singleShot(50, lambda: self.wait(name, ready, deadline))

    def capture(self, name: str) -> bool:
        drawn = self.shell.grab().toImage()
        drawn.save(str(self.out / f"{name}.app.png"))
        shown = self.out / f"{name}.png"
        subprocess.run(["grim", str(shown)], check=True, capture_output=True)
        return same_picture(QImage(str(shown)), drawn)

    def record(self, name: str, late: bool) -> None:
        button = self.shell.signin.sign_in_button
        top_left = button.mapTo(self.shell, button.rect().topLeft())
        rect = QRect(top_left, button.size())
        screen = self.shell.screen()
        self.results["steps"].append(
            {
                "name": name,
                "timed_out": late,
                "screen": self.shell.current_key(),
                "output": [screen.geometry().width(), screen.geometry().height()],
                "window": [self.shell.x(), self.shell.y(), self.shell.width(), self.shell.height()],
                "full_screen": self.shell.isFullScreen(),
                "minimized": bool(self.shell.windowState() & Qt.WindowState.WindowMinimized),
                "restored_by_guard": self.guard.restored,
                "sign_in_button": [rect.x(), rect.y(), rect.width(), rect.height()],
                "top_levels": sorted(
                    w.objectName() or type(w).__name__
                    for w in QApplication.topLevelWidgets()
                    if w.isVisible()
                ),
            }
        )


if __name__ == "__main__":
    sys.exit(Session(Path(sys.argv[1])).run())
