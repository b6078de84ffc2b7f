"""Telling systemd that Kite is up and that its event loop still turns.

``READY=1`` goes out once the sign-in screen has been painted (what a resident
sees first), so the unit counts as started only when there is something on the
display. ``WATCHDOG=1`` is sent by a timer on the UI thread, deliberately not by
a thread of its own: a hung event loop (a slot that never returns, a frozen
paint) stops the pings, and systemd kills and restarts the session after
``WatchdogSec``. Nothing is sent unless systemd set ``NOTIFY_SOCKET`` (and, for
the pings, ``WATCHDOG_USEC``).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from ui.screens.signin import SignInScreen
from ui.sd_notify import Notifier


class Liveness(QObject):
    """READY after the first paint of the sign-in screen, then WATCHDOG from the UI thread."""

    def __init__(self, signin: SignInScreen, notifier: Notifier, parent: QObject | None = None):
        super().__init__(parent or signin)
        self.notifier = notifier
        self.ready = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.ping)
        if notifier.active:
            signin.first_paint.connect(self._on_first_paint)

    def _on_first_paint(self) -> None:
        if self.ready:
            return
        self.ready = True
        self.notifier.notify("READY=1")
        interval = self.notifier.watchdog_interval_ms
        if interval is not None:
            self.ping()
            self._timer.start(interval)

    def ping(self) -> None:
        self.notifier.notify("WATCHDOG=1")

    def stopping(self) -> None:
        """Kite is leaving its event loop on purpose: no watchdog restart for the wait."""
        self._timer.stop()
        self.notifier.notify("STOPPING=1")
        self.notifier.close()
