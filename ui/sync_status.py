"""The one adapter from the sync worker (plain Python threads) into Qt.

The worker calls :meth:`SyncStatusBridge.listener` with each status snapshot
and :meth:`SyncStatusBridge.changes_listener` with what each round changed, on
its own thread; the bridge re-emits both as Qt signals, which Qt queues to the
UI thread because the bridge lives there. :func:`describe_sync` turns a snapshot into
the short translated line the top bar shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal

from ui.counts import counts
from ui.formatting import when

if TYPE_CHECKING:
    from kiosk.changes import Changes
    from kiosk.views import WaitingToSend
    from sync.status import SyncStatus


class SyncStatusBridge(QObject):
    """Receives status snapshots and change notices from any thread; emits them on the UI
    thread as ``changed`` and ``data_changed``."""

    changed = Signal(object)  # sync.status.SyncStatus
    data_changed = Signal(object)  # kiosk.changes.Changes: what a sync round changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last: SyncStatus | None = None
        self.changed.connect(self._remember)

    def listener(self, status: SyncStatus) -> None:
        """Give this to ``SyncWorker.add_listener``; safe to call from the worker thread."""
        self.changed.emit(status)

    def changes_listener(self, changes: Changes) -> None:
        """Give this to ``SyncWorker.add_changes_listener``; safe from the worker thread."""
        self.data_changed.emit(changes)

    def _remember(self, status: SyncStatus) -> None:
        self.last = status


def describe_waiting(waiting: WaitingToSend | None) -> list[str]:
    """The resident's own replies and purchases still to go out, as short translated phrases.

    Each count goes through Qt's plural forms (``%n``), in English as in Spanish.
    """
    parts: list[str] = []
    if waiting is None:
        return parts
    replies, purchases = waiting.replies, waiting.purchases
    if replies:
        parts.append(counts().replies_waiting(replies))
    if purchases:
        parts.append(counts().purchases_waiting(purchases))
    return parts


def describe_sync(
    status: SyncStatus | None, now: datetime | None = None, waiting: WaitingToSend | None = None
) -> tuple[str, str]:
    """(text, tone) for the sync line; tone is ``good``, ``wait`` or ``bad``.

    ``waiting`` is the signed-in resident's queue (``Core.waiting_to_send``): the
    line counts their replies and purchases, never the terminal's bookkeeping
    (read receipts, audit records) that also waits in the outbox.
    """
    translate = QCoreApplication.translate
    if status is None or status.state == "starting":
        return translate("Sync", "Connecting…"), "wait"
    if status.state == "clock_wrong":
        return translate(
            "Sync", "This terminal's clock is wrong, so it cannot sync. Please tell staff."
        ), "bad"
    if status.state == "suspended":
        # The server stopped trusting this device (its old credential was used again):
        # not a network problem, so never "offline".
        return translate("Sync", "This terminal is out of service. Please tell staff."), "bad"
    if status.call_it or status.state in ("revoked", "incompatible"):
        return translate("Sync", "This terminal needs IT. Please tell staff."), "bad"
    if status.state == "not_enrolled":
        return translate("Sync", "This terminal is waiting for IT to approve it."), "bad"
    parts = describe_waiting(waiting)
    if status.state == "throttled":
        # The server answered and asked to wait: not offline.
        retry = status.next_attempt_at
        text = (
            translate("Sync", "Server busy. Trying again at {time}").format(time=when(retry, now))
            if retry is not None
            else translate("Sync", "Server busy. Trying again soon")
        )
        return " · ".join([text, *parts]), "wait"
    if status.state == "refusing_answers":
        text = translate("Sync", "Not up to date: the server's answer could not be used")
        return " · ".join([text, *parts]), "wait"
    if not status.online:
        since = status.offline_since
        text = (
            translate("Sync", "Offline since {time}").format(time=when(since, now))
            if since is not None
            else translate("Sync", "Offline")
        )
        return " · ".join([text, *parts]), "wait"
    if parts:
        return " · ".join(parts), "wait"
    return translate("Sync", "Up to date"), "good"
