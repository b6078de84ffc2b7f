"""Kiosk lockdown: a full-screen window and no way out of the app.

- :func:`prepare_kiosk_platform`, before the application exists, turns Qt's own
  Wayland title bar off (client-side decorations; cage draws none of its own).
- :func:`apply_kiosk_window` makes the shell fill its screen (full screen), and
  :class:`FullScreenGuard` puts it back whenever anything asks for a normal,
  maximised or minimised window.
- :class:`EscapeFilter`, installed application-wide, swallows the key chords
  that leave or switch applications (Alt+F4, Alt+Tab, Ctrl+Alt+..., the
  Meta/Super key, Ctrl+Esc) and every context menu.
- :func:`clear_clipboard` empties every clipboard mode at session end.

The compositor of the kiosk session (packaging/) is the outer wall; this is the
inner one. The app never opens links, file dialogs or other programs; a test
checks that ``ui/`` uses none of Qt's link-opening or file-dialog classes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QClipboard, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QWidget

_ESCAPE_KEYS_WITH_ALT = {
    k.value
    for k in (
        Qt.Key.Key_F4,
        Qt.Key.Key_Tab,
        Qt.Key.Key_Backtab,
        Qt.Key.Key_Escape,
        Qt.Key.Key_Space,  # window menu
    )
}
_ESCAPE_KEYS_WITH_CTRL = {Qt.Key.Key_Escape.value, Qt.Key.Key_Q.value, Qt.Key.Key_W.value}
_ALWAYS_SWALLOWED = {
    k.value
    for k in (
        Qt.Key.Key_Meta,
        Qt.Key.Key_Super_L,
        Qt.Key.Key_Super_R,
        Qt.Key.Key_Menu,
        Qt.Key.Key_Launch0,
        Qt.Key.Key_LaunchMail,
        Qt.Key.Key_Explorer,
        Qt.Key.Key_HomePage,
        Qt.Key.Key_Search,
    )
}


def is_escape_route(event: QKeyEvent) -> bool:
    """Whether a key press would leave or switch away from the app."""
    key = event.key()  # an int: keys outside Qt's enum (e.g. dead keys) must not raise here
    mods = event.modifiers()
    alt = bool(mods & Qt.KeyboardModifier.AltModifier)
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    meta = bool(mods & Qt.KeyboardModifier.MetaModifier)
    if key in _ALWAYS_SWALLOWED or meta:
        return True
    if ctrl and alt:
        return True  # Ctrl+Alt+Del, Ctrl+Alt+F1..F12 (VT switch), Ctrl+Alt+Backspace
    if alt and (key in _ESCAPE_KEYS_WITH_ALT or Qt.Key.Key_F1.value <= key <= Qt.Key.Key_F35.value):
        return True
    return ctrl and key in _ESCAPE_KEYS_WITH_CTRL


# Context menus open escape routes; drops could bring in files or unbounded text.
_REFUSED = (
    QEvent.Type.ContextMenu,
    QEvent.Type.DragEnter,
    QEvent.Type.DragMove,
    QEvent.Type.Drop,
)


class EscapeFilter(QObject):
    """Application-wide event filter that swallows escape routes, context menus and drops."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.swallowed = 0  # for diagnostics and tests

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride):
            if isinstance(event, QKeyEvent) and is_escape_route(event):
                self.swallowed += 1
                return True
        elif kind in _REFUSED:
            self.swallowed += 1
            return True
        return False


def prepare_kiosk_platform() -> None:
    """Call before the QApplication exists: no client-side window decorations.

    Under cage, Qt's Wayland plugin otherwise draws its own title bar with minimise,
    maximise and close buttons (measured: cage 0.1.4 answers the decoration request
    with "client side", and does even with ``-d`` when the request is not made), and
    that bar pushes the bottom of the sign-in screen off a 720-pixel output. The
    kiosk unit sets the same variable; the app does not rely on it.
    """
    os.environ["QT_WAYLAND_DISABLE_WINDOWDECORATION"] = "1"


class FullScreenGuard(QObject):
    """Keeps a kiosk window full screen and open.

    ``showNormal()``, ``showMinimized()`` or ``showMaximized()``, from the app or from a
    compositor's configure, leave full screen; the next turn of the event loop
    restores it, so no state but full screen lasts.

    Every close is refused: a compositor's close request (xdg-toplevel ``close``), a
    window manager's Alt+F4, ``close()`` from anywhere. Qt 6's ``QApplication.quit()``
    closes the windows first, so it is refused too; the kiosk leaves its event loop
    with ``exit()``, which closes nothing (``ui.main``: SIGTERM from systemd).
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.restored = 0  # for diagnostics and tests
        self.refused_closes = 0
        window.installEventFilter(self)
        # The compositor's request reaches the QWindow first.
        self.handle = window.windowHandle()
        if self.handle is not None:
            self.handle.installEventFilter(self)

    def release(self) -> None:
        """Stop guarding (the event loop has ended: the window may go)."""
        self.window.removeEventFilter(self)
        if self.handle is not None:
            self.handle.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        ours = watched is self.window or watched is self.handle
        if ours and event.type() == QEvent.Type.Close:
            event.ignore()
            self.refused_closes += 1
            return True
        changed = watched is self.window and event.type() == QEvent.Type.WindowStateChange
        if changed and (not self.window.isFullScreen() or self.window.isMinimized()):
            QTimer.singleShot(0, self._restore)
        return False

    def _restore(self) -> None:
        if not self.window.isFullScreen() or self.window.isMinimized():
            self.restored += 1
            self.window.setWindowState(Qt.WindowState.WindowFullScreen)
            self.window.showFullScreen()


def apply_kiosk_window(window: QWidget) -> FullScreenGuard:
    """Full screen over the whole of its screen, closed only by the app itself.

    A plain top-level window, on purpose: Wayland's xdg-shell has no "stay on top"
    (WindowStaysOnTopHint is at best ignored there), and a frameless, on-top hinted
    window is not a normal application window to a compositor, which under cage
    came up at its own size (853x628 on a 1280x720 output) instead of filling the
    output. Full screen already hides every decoration, and the kiosk compositor
    runs this one app, so nothing can come on top of it.
    """
    window.setWindowFlags(Qt.WindowType.Window)
    window.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        # The size a compositor that ignores the full-screen request still shows.
        window.setGeometry(screen.geometry())
    window.showFullScreen()
    return FullScreenGuard(window)


@dataclass(frozen=True)
class Lockdown:
    """What :func:`lock_down` installed (diagnostics and tests read its counters)."""

    escape: EscapeFilter
    guard: FullScreenGuard


def lock_down(app: QCoreApplication, window: QWidget) -> Lockdown:
    """The kiosk's whole in-app lockdown: the escape filter and the full-screen window."""
    escape = EscapeFilter(app)
    app.installEventFilter(escape)
    return Lockdown(escape=escape, guard=apply_kiosk_window(window))


def clear_clipboard() -> None:
    """Empty the clipboard, the selection and the find buffer."""
    clipboard = QGuiApplication.clipboard()
    for mode in (QClipboard.Mode.Clipboard, QClipboard.Mode.Selection, QClipboard.Mode.FindBuffer):
        clipboard.clear(mode)
