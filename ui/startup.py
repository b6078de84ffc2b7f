"""After the first paint: open the backend off the UI thread, then wire it into the shell."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from kiosk.heap import freeze_startup_heap
from ui.backend import open_backend
from ui.refusals import describe_error
from ui.session_watch import SessionWatch
from ui.sync_status import SyncStatusBridge

if TYPE_CHECKING:
    from kiosk.config import Settings
    from sync.terminal import Terminal
    from ui.shell import Shell

log = logging.getLogger(__name__)


class Startup(QObject):
    """Owns the backend for the life of the application."""

    def __init__(self, app: QApplication, shell: Shell, settings: Settings) -> None:
        super().__init__(app)
        self.app = app
        self.shell = shell
        self.settings = settings
        self.backend: Terminal | None = None
        self.bridge = SyncStatusBridge(self)
        self._begun = False

    def begin(self) -> None:
        if self._begun:
            return
        self._begun = True
        self.shell.context.tasks.run(
            lambda: open_backend(self.settings), self.attach, on_error=self._failed
        )

    def attach(self, backend: Terminal) -> None:
        """Hand the opened backend to the shell (UI thread)."""
        self.backend = backend
        attach_backend(self.shell, backend, self.bridge, self.app)
        freeze_startup_heap()  # start-up is done: full collections skip all of it from now on

    def _failed(self, exc: BaseException) -> None:
        log.error("the terminal could not start: %s", exc)
        self.shell.signin.show_message(describe_error(exc))

    def shutdown(self) -> None:
        if self.backend is not None:
            self.backend.close()


def attach_backend(
    shell: Shell, backend: Terminal, bridge: SyncStatusBridge, app: QApplication
) -> SessionWatch:
    """Wire core, worker and enrollment into a shell (used by ``kite`` and the UI tests)."""
    context = shell.context
    context.core = backend.core
    bridge.changed.connect(shell.show_sync_status)
    bridge.data_changed.connect(shell.data_changed)
    backend.worker.add_listener(bridge.listener)
    backend.worker.add_changes_listener(bridge.changes_listener)
    watch = SessionWatch(backend.core, context.tasks, shell)
    app.installEventFilter(watch)
    shell.attach_watch(watch)
    if backend.enrolled:
        backend.worker.start()
        shell.signin.refresh()
    else:
        screen = shell.show_screen("enrollment", service=backend.enrollment)
        screen.enrolled.connect(lambda: _enrolled(shell, backend))  # type: ignore[attr-defined]
    return watch


def _enrolled(shell: Shell, backend: Terminal) -> None:
    backend.enrolled = True
    backend.worker.start()
    shell.show_screen("signin")
    shell.signin.refresh()
