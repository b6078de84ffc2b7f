"""The real ``kite`` start, probed from inside once the sign-in screen is painted.

``python -m tests.ui.start_probe KITE-ARGS...`` runs :func:`ui.main.main` with
those arguments and ``--exit-on-first-paint``: the environment as given, the
configuration file as given, every step of the real start-up (reading the mode,
scrubbing the environment, loading Qt, locking the window down). At the first
paint, before the program quits, it sends the sign-in screen's ID field what a
resident would use to get out (a context menu request, a dragged file) and
prints one JSON line: the mode the terminal runs in, whether the window is full
screen, which of those events reached the field, and which of the watched
variables are still in the environment.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

WATCHED = (
    "KITE_MODE",
    "KITE_FAULT",
    "QT_DEBUG_PLUGINS",
    "QT_PLUGIN_PATH",
    "QT_STYLE_OVERRIDE",
    "QT_QPA_PLATFORM",
    "PYTHONINSPECT",
    "PYTHONBREAKPOINT",
    "LD_LIBRARY_PATH",
)


def main(argv: list[str]) -> int:
    from ui.failure_hooks import FailureHooks  # imports no Qt
    from ui.main import main as kite_main  # imports no Qt at module level

    install = FailureHooks.install

    def install_then_watch(hooks: FailureHooks) -> None:
        # kite installs its hooks after scrubbing the environment and before it loads
        # Qt: the probe loads Qt no earlier than kite itself does.
        install(hooks)
        import ui.shell

        original_init = ui.shell.Shell.__init__

        def init(self: ui.shell.Shell, *args: object, **kwargs: object) -> None:
            original_init(self, *args, **kwargs)  # type: ignore[arg-type]
            # Connected before kite's own first-paint handlers: runs before it quits.
            self.signin.first_paint.connect(lambda: probe(self))

        ui.shell.Shell.__init__ = init  # type: ignore[method-assign]

    FailureHooks.install = install_then_watch  # type: ignore[method-assign]
    return kite_main([*argv, "--exit-on-first-paint"])


def probe(shell: object) -> None:
    from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QPointF, Qt, QUrl
    from PySide6.QtGui import QContextMenuEvent, QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    from ui.shell import Shell

    assert isinstance(shell, Shell)
    field = shell.signin.id_field
    reached: list[str] = []

    class Seen(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() in (QEvent.Type.ContextMenu, QEvent.Type.DragEnter, QEvent.Type.Drop):
                reached.append(event.type().name)
            return False

    seen = Seen(field)
    field.installEventFilter(seen)  # after the application's filters, as the field itself would
    at = QPoint(2, 2)
    QApplication.sendEvent(
        field, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, field.mapToGlobal(at))
    )
    mime = QMimeData()
    mime.setUrls([QUrl("file:///etc/passwd")])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    copy = Qt.DropAction.CopyAction
    with warnings.catch_warnings():  # PySide marks the only QDragEnterEvent constructor deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(at, copy, mime, buttons, keys)
    QApplication.sendEvent(field, enter)
    QApplication.sendEvent(field, QDropEvent(QPointF(2, 2), copy, mime, buttons, keys))
    field.removeEventFilter(seen)
    report = {
        "mode": shell.context.mode,
        "full_screen": shell.isFullScreen(),
        "reached_field": reached,
        "field_text": field.text(),
        "environ": sorted(name for name in WATCHED if name in os.environ),
    }
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
