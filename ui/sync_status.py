"""The one adapter from the sync worker (plain Python threads) into Qt.

The worker calls :meth:`SyncStatusBridge.listener` on its own thread; the
bridge re-emits the snapshot as a Qt signal, which Qt queues to the UI thread
because the bridge lives there. :func:`describe_sync` turns a snapshot into
the short translated line the top bar shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from ui.formatting import when

if TYPE_CHECKING:
    from sync.status import SyncStatus


class SyncStatusBridge(QObject):
    """Receives status snapshots from any thread; emits ``changed`` on the UI thread."""

    changed = Signal(object)  # sync.status.SyncStatus

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last: Any = None
        self.changed.connect(self._remember)

    def listener(self, status: SyncStatus) -> None:
        """Give this to ``SyncWorker.add_listener``; safe to call from the worker thread."""
        self.changed.emit(status)

    def _remember(self, status: SyncStatus) -> None:
        self.last = status


def describe_sync(status: SyncStatus | None, now: datetime | None = None) -> tuple[str, str]:
    """(text, tone) for the top bar; tone is ``good``, ``wait`` or ``bad``."""
    translate = QCoreApplication.translate
    if status is None or status.state == "starting":
        return translate("Sync", "Connecting…"), "wait"
    if status.call_it or status.state in ("revoked", "incompatible"):
        return translate("Sync", "This terminal needs IT. Please tell staff."), "bad"
    if status.state == "not_enrolled":
        return translate("Sync", "This terminal is waiting for IT to approve it."), "bad"
    waiting = status.items_waiting
    if not status.online:
        since = status.offline_since
        text = (
            translate("Sync", "Offline since {time}").format(time=when(since, now))
            if since is not None
            else translate("Sync", "Offline")
        )
        if waiting == 1:
            text += " · " + translate("Sync", "1 item waiting to send")
        elif waiting > 1:
            text += " · " + translate("Sync", "{count} items waiting to send").format(count=waiting)
        return text, "wait"
    if waiting == 1:
        return translate("Sync", "Sending 1 item…"), "wait"
    if waiting > 1:
        return translate("Sync", "Sending {count} items…").format(count=waiting), "wait"
    return translate("Sync", "Up to date"), "good"
