"""Follows the core's session clock and tells the shell when to warn and when to end.

The core owns idle time and the session cap (``Core.session_state``; the
policy's warning is at least 20 s, WCAG 2.2.1). This watcher polls it once a
second through :class:`ui.tasks.Tasks`, reports any touch, click or key as
activity (``Core.touch``, at most once a second), and emits:

- ``warning(seconds_left, ending)`` while a warning is due (``ending``: idle, cap or closed),
- ``warning_cleared()`` once the resident acted,
- ``expired(ending)`` when the session is over.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from ui.tasks import Tasks

if TYPE_CHECKING:
    from kiosk.core import Core
    from kiosk.views import SessionState

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.TouchBegin,
    QEvent.Type.Wheel,
}
TOUCH_EVERY_S = 1.0


class SessionWatch(QObject):
    """Polls ``Core.session_state`` and forwards the resident's activity to ``Core.touch``."""

    warning = Signal(int, str)
    warning_cleared = Signal()
    expired = Signal(str)

    def __init__(self, core: Core, tasks: Tasks, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._core = core
        self._tasks = tasks
        self._warning = False
        self._running = False
        self._generation = 0  # bumped per session: late answers about an earlier one are dropped
        self._last_touch = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._generation += 1
        self._running = True
        self._warning = False
        self._timer.start()

    def stop(self) -> None:
        self._generation += 1
        self._running = False
        self._timer.stop()
        if self._warning:
            self._warning = False
            self.warning_cleared.emit()

    def poll(self) -> None:
        """Ask the core where the session stands (off the UI thread)."""
        if self._running:
            generation = self._generation
            self._tasks.run(
                self._core.session_state,
                lambda state: self._show(state, generation),
                on_refusal=lambda _r: None,
                owner=self,
            )

    def more_time(self) -> None:
        """The resident tapped "More time" (or did anything): restart the idle clock."""
        if not self._running:
            return
        self._last_touch = time.monotonic()
        generation = self._generation
        self._tasks.run(
            self._core.touch,
            lambda state: self._show(state, generation),
            on_refusal=lambda _r: None,
            owner=self,
        )

    def _show(self, state: SessionState | None, generation: int) -> None:
        # An answer asked for before this session began (a poll racing a sign-out and the
        # next sign-in) says nothing about this session: it must not end it.
        if not self._running or generation != self._generation:
            return
        if state is None or state.phase == "expired":
            self.stop()
            self.expired.emit(state.ending if state is not None else "idle")
        elif state.phase == "warning":
            self._warning = True
            self.warning.emit(state.seconds_left, state.ending)
        elif self._warning:
            self._warning = False
            self.warning_cleared.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self._running
            and event.type() in _ACTIVITY
            and time.monotonic() - self._last_touch >= TOUCH_EVERY_S
        ):
            self.more_time()
        return False
