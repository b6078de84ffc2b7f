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
    from sync.status import SyncStatus
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
    re_enroll = ReEnrollment(shell, backend)
    bridge.changed.connect(re_enroll.status_changed)
    shell.session_ended.connect(re_enroll.session_ended)
    if backend.enrolled:
        backend.worker.start()
        shell.signin.refresh()
    else:
        re_enroll.offer()
    return watch


#: Worker states that only a new enrollment ends (``sync.status``): the server revoked or
#: suspended the device, or no longer takes its credential, or the credential is gone
#: (a revocation forgets it; the status bridge may deliver only that last state).
ENROLL_AGAIN_STATES = ("revoked", "suspended", "credential_refused", "not_enrolled")


class ReEnrollment(QObject):
    """The enrollment screen, at first start and whenever the device must be enrolled again.

    A revoked, suspended or refused terminal shows its enrollment screen (device ID, code,
    QR) as soon as nobody is signed in, so IT enrolls it again at the kiosk, where the
    staff approving it see the code; once approved the worker starts again in this
    process (nothing queued was lost, and nobody has to restart the kiosk).
    """

    def __init__(self, shell: Shell, backend: Terminal) -> None:
        super().__init__(shell)  # lives as long as the shell (a slot's owner must)
        self.shell, self.backend = shell, backend
        self.waiting = False
        self.screen: object = None

    def status_changed(self, status: SyncStatus | None) -> None:
        if status is None or status.state not in ENROLL_AGAIN_STATES or self.waiting:
            return
        self.backend.enrolled = False
        if self.shell.resident is None:
            self.offer()

    def session_ended(self, _reason: object = None) -> None:
        if not self.backend.enrolled and not self.waiting:
            self.offer()

    def offer(self) -> None:
        self.waiting = True
        screen = self.shell.show_screen("enrollment", service=self.backend.enrollment)
        if screen is not self.screen:
            self.screen = screen
            screen.enrolled.connect(self._enrolled)  # type: ignore[attr-defined]

    def _enrolled(self) -> None:
        self.waiting = False
        self.backend.enrolled = True
        self.backend.worker.start()
        self.shell.show_screen("signin")
        self.shell.signin.refresh()
