"""After a failure on the UI thread: end the resident's session calmly, or restart.

An exception in a Qt slot or a task's callback leaves the screens in a state
nobody designed. :class:`FailureGuard` (told by :class:`ui.failure_hooks.FailureHooks`)
does not carry on in it: from the event loop, once the failing slot has returned,
it ends the session as a sign-out would (the draft being written is kept, the
resident's screens are deleted whole, the clipboard emptied) and the sign-in
screen says sorry (:meth:`ui.shell.Shell.end_after_failure`). If ending the
session fails too, or failures come in a burst, the guard asks for a restart
(``restart_requested``): ``kite`` leaves its event loop with
:data:`RESTART_EXIT_CODE` and systemd starts a fresh process.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from ui.shell import Shell

log = logging.getLogger("kite.failure")

RESTART_EXIT_CODE = 70  # EX_SOFTWARE: the unit restarts the session
BURST = 3  # this many UI failures ...
BURST_WINDOW_S = 60.0  # ... within this long: restart instead of carrying on


class FailureGuard(QObject):
    """Turns a UI-thread failure into a calm end of session (or a restart)."""

    restart_requested = Signal(int)  # the exit code for the event loop

    def __init__(self, shell: Shell, monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(shell)
        self.shell = shell
        self._monotonic = monotonic
        self._recent: deque[float] = deque(maxlen=BURST)
        self._pending = False
        self.handled = 0  # failures ended calmly (diagnostics and tests)

    def ui_failed(self, kind: str) -> None:
        """A failure reached the top of the UI thread (called from the exception hook)."""
        now = self._monotonic()
        self._recent.append(now)
        if len(self._recent) == BURST and now - self._recent[0] <= BURST_WINDOW_S:
            log.critical("%d failures within %.0f s: restarting Kite", BURST, BURST_WINDOW_S)
            self.restart_requested.emit(RESTART_EXIT_CODE)
            return
        if not self._pending:
            # Not inside the failing slot's stack: once the event loop has it back.
            self._pending = True
            QTimer.singleShot(0, self._end_session)

    def _end_session(self) -> None:
        self._pending = False
        try:
            self.shell.end_after_failure()
        except Exception:
            log.exception("ending the session after a failure failed too: restarting Kite")
            self.restart_requested.emit(RESTART_EXIT_CODE)
            return
        self.handled += 1
