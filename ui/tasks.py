"""The one way the UI runs work off its thread.

``Tasks.run(fn, on_done, on_refusal=..., on_error=...)`` runs ``fn`` on a
``QThreadPool`` and delivers its result, its :class:`~kiosk.errors.Refusal`, or
any other exception back on the UI thread through queued signals. After any
task that changed something (``changes=True``), ``Tasks.changed`` fires once:
views refresh from that one hook, never by poking each other.

A callback whose owner (a ``QObject``) has been destroyed is not called, so a
screen closed at session end never receives a stale resident's data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from shiboken6 import isValid

from kiosk.errors import KiteError, Refusal

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class _Relay(QObject):
    """Lives on the UI thread; the worker emits into it across threads (queued)."""

    finished = Signal(object, object)  # (kind, value)

    def __init__(self, deliver: Callable[[str, Any], None]) -> None:
        super().__init__()
        self._deliver = deliver
        # The receiver is this object, on the UI thread: Qt queues the call there.
        self.finished.connect(self._on_finished)

    @Slot(object, object)
    def _on_finished(self, kind: str, value: Any) -> None:
        self._deliver(kind, value)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            value = self._fn()
        except Refusal as refusal:
            self._relay.finished.emit("refusal", refusal)
        except KiteError as exc:  # a known failure (offline, disk full): one line is enough
            log.warning("background task failed: %s: %s", type(exc).__name__, exc)
            self._relay.finished.emit("error", exc)
        except Exception as exc:  # a bug: the traceback goes to the log, a calm message on screen
            log.exception("background task failed")
            self._relay.finished.emit("error", exc)
        else:
            self._relay.finished.emit("done", value)


class Tasks(QObject):
    """Runs callables off the UI thread and brings their outcome back to it."""

    changed = Signal()  # something the resident can see may have changed
    busy_changed = Signal(bool)
    failed = Signal(object)  # an unexpected exception no caller handled

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callback | None = None,
        *,
        on_refusal: Callable[[Refusal], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
        changes: bool = False,
    ) -> None:
        """Run ``fn()`` in the pool; call one of the callbacks on the UI thread after."""
        was_busy = self.busy

        def deliver(kind: str, value: Any) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            alive = owner is None or isValid(owner)
            try:
                if kind == "done":
                    if alive and on_done is not None:
                        on_done(value)
                elif kind == "refusal":
                    if alive and on_refusal is not None:
                        on_refusal(value)
                    elif alive:
                        self.failed.emit(value)
                elif alive and on_error is not None:
                    on_error(value)
                else:
                    self.failed.emit(value)
            finally:
                if changes and kind == "done":
                    self.changed.emit()
                if not self.busy:
                    self.busy_changed.emit(False)

        relay = _Relay(deliver)
        self._relays.add(relay)
        if not was_busy:
            self.busy_changed.emit(True)
        self._pool.start(_Job(fn, relay))

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until the pool is idle (tests and shutdown only)."""
        return self._pool.waitForDone(msecs)
