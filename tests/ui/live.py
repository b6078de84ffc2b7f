"""The shell on a whole terminal enrolled with the reference server, for UI tests of flows
that go through sync (purchases confirmed, replies reviewed, contacts approved).

:func:`live_shell` builds what ``kite`` builds (``ui.startup.attach_backend``) on a
terminal enrolled as one of a :class:`tests.server.live.World`'s devices; the
resident acts through the real widgets, staff and family through the server's HTTP
endpoints. Nothing asks a screen to reload: the sync worker's change notices do.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sync.terminal import Terminal
from tests.fault.clocks import open_hours_clock
from tests.integration.terminal import make_terminal
from tests.server.live import World
from ui import theme
from ui.context import Context
from ui.shell import Shell
from ui.startup import attach_backend
from ui.sync_status import SyncStatusBridge
from ui.tasks import Tasks

WAIT_MS = 20_000


class LiveShell:
    """A resident at the terminal, through its widgets."""

    def __init__(self, qtbot: QtBot, shell: Shell, world: World, backend: Terminal) -> None:
        self.qtbot = qtbot
        self.shell = shell
        self.world = world
        self.backend = backend  # the terminal behind the widgets (its worker, its store)

    def wait(self, predicate: Any, timeout: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(predicate, timeout=timeout)

    def click(self, widget: Any) -> None:
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def sign_in(self, index: int = 0) -> None:
        resident = self.world.residents[index]
        self.wait(lambda: self.shell.signin.sign_in_button.isEnabled())
        self.shell.signin.id_field.setText(resident.facility_number)
        self.shell.signin.pin_field.setText(resident.pin)
        self.click(self.shell.signin.sign_in_button)
        self.wait(lambda: self.shell.current_key() == "inbox")

    def page(self, key: str) -> Any:
        return self.shell.page(key)


@contextmanager
def live_shell(
    qtbot: QtBot, world: World, folder: Path, *, language: str = "en"
) -> Iterator[LiveShell]:
    """The shell on a terminal enrolled as ``world``'s first device, its worker running."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply(app, theme.Appearance())
    clock = open_hours_clock()
    backend = make_terminal(
        folder, world.server.url, world.devices[0], name=folder.name, clock=clock
    )
    tasks = Tasks()
    context = Context(tasks=tasks, now=clock, default_language=language)
    context.languages.set(language)
    shell = Shell(context)
    qtbot.addWidget(shell)
    shell.resize(1280, 800)
    shell.show()
    watch = attach_backend(shell, backend, SyncStatusBridge(shell), app)
    try:
        yield LiveShell(qtbot, shell, world, backend)
    finally:
        shell.end_session("sign_out")
        watch.stop()
        app.removeEventFilter(watch)
        tasks.wait()
        backend.close()
        context.languages.set("en")


def spanish_resident(world: World) -> tuple[str, str]:
    """A resident of ``world``'s unit whose record says Spanish; his number and PIN."""
    number, pin = str(uuid.uuid4().int)[:9], "4321"
    with world.staff() as staff:
        answer = staff.post(
            "/v1/staff/residents",
            json={
                "facility_number": number,
                "display_name": "Rosa Díaz",
                "housing_unit": world.unit,
                "pin": pin,
                "language": "es",
            },
        )
    assert answer.status_code < 300, answer.text
    return number, pin
