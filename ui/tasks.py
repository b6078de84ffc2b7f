"""The one way the UI runs work off its thread.

``Tasks.run(fn, on_done, on_refusal=..., on_error=...)`` runs ``fn`` on a
``QThreadPool`` and delivers its result (typed: ``on_done`` takes what ``fn``
returns), its :class:`~kiosk.errors.Refusal`, or any other exception back on
the UI thread through queued signals. The core's writes inside ``fn`` report
the kinds of data they changed (:mod:`kiosk.changes`); after the task's
callback, ``Tasks.changed`` fires once with their union, if any: views refresh
from that one hook (``Shell.data_changed``), never by poking each other.

A callback whose owner (a ``QObject``) has been destroyed is not called, so a
screen closed at session end never receives a stale resident's data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar, cast

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from shiboken6 import isValid

from kiosk import changes
from kiosk.changes import Changes
from kiosk.errors import KiteError, Refusal

log = logging.getLogger(__name__)

T = TypeVar("T")

Deliver = Callable[[str, object, Changes], None]  # (outcome, value, what the task changed)


class _Relay(QObject):
    """Lives on the UI thread; the worker emits into it across threads (queued)."""

    finished = Signal(str, object, object)  # (outcome, value, Changes)

    def __init__(self, deliver: Deliver) -> None:
        super().__init__()
        self._deliver = deliver
        # The receiver is this object, on the UI thread: Qt queues the call there.
        self.finished.connect(self._on_finished)

    @Slot(str, object, object)
    def _on_finished(self, outcome: str, value: object, changed: Changes) -> None:
        self._deliver(outcome, value, changed)


class _Job(QRunnable, Generic[T]):
    def __init__(self, fn: Callable[[], T], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        outcome: str
        value: object
        # A write that committed before a later step failed still changed what it did.
        with changes.collect() as seen:
            try:
                value = self._fn()
            except Refusal as refusal:
                outcome, value = "refusal", refusal
            except KiteError as exc:  # a known failure (offline, disk full): one line is enough
                log.warning("background task failed: %s: %s", type(exc).__name__, exc)
                outcome, value = "error", exc
            except Exception as exc:  # a bug: the traceback to the log, a calm message on screen
                log.exception("background task failed")
                outcome, value = "error", exc
            else:
                outcome = "done"
        self._relay.finished.emit(outcome, value, seen.changes)


class Tasks(QObject):
    """Runs callables off the UI thread and brings their outcome back to it."""

    changed = Signal(object)  # kiosk.changes.Changes: what a task's writes changed
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
        fn: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        *,
        on_refusal: Callable[[Refusal], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        owner: QObject | None = None,
    ) -> None:
        """Run ``fn()`` in the pool; call one of the callbacks on the UI thread after."""
        was_busy = self.busy

        def deliver(outcome: str, value: object, changed: Changes) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            alive = owner is None or isValid(owner)
            try:
                if outcome == "done":
                    if alive and on_done is not None:
                        on_done(cast(T, value))
                elif outcome == "refusal":
                    assert isinstance(value, Refusal)
                    if alive and on_refusal is not None:
                        on_refusal(value)
                    elif alive:
                        self.failed.emit(value)
                else:
                    assert isinstance(value, BaseException)
                    if alive and on_error is not None:
                        on_error(value)
                    else:
                        self.failed.emit(value)
            finally:
                if changed:
                    self.changed.emit(changed)
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
