"""A field for a secret (a PIN, a code) whose text, as Qt knows it, is only mask characters.

A password-mode ``QLineEdit`` draws dots, but its text is the secret: every keystroke
sends an accessibility text event carrying the digit, and clearing it sends the whole
PIN, to every client on the accessibility bus (AT-SPI on Linux). Hiding those events
one by one would leave the next Qt release, an undo buffer or an input method to leak
it again. Here the secret never enters Qt: it is kept in a Python string, and the line
edit underneath holds one :data:`MASK` per character. What a screen reader hears is a
bullet per digit typed (the same as a sighted person sees), and nothing of the digits.

Everything that changes the text goes through :meth:`insert`, :meth:`backspace`,
:meth:`setText` and :meth:`clear` here (the keypad calls them; keys and input-method
commits are routed to them); editing inside the text (cursor keys, selection, undo,
cut, copy, paste by key, drag and drop) does nothing. :meth:`secret` reads the secret.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QInputMethodEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit, QWidget

MASK = "\u2022"  # BULLET: what the field holds, and what an accessibility client reads

# Key chords that would edit inside the text or move it elsewhere: all ignored.
_REFUSED = (
    QKeySequence.StandardKey.Paste,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Undo,
    QKeySequence.StandardKey.Redo,
    QKeySequence.StandardKey.SelectAll,
    QKeySequence.StandardKey.DeleteStartOfWord,
    QKeySequence.StandardKey.DeleteEndOfWord,
    QKeySequence.StandardKey.DeleteEndOfLine,
    QKeySequence.StandardKey.DeleteCompleteLine,
)
_COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


class SecretField(QLineEdit):
    """A PIN or code field: shown as dots, held and reported as bullets, read by :meth:`secret`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._secret = ""
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setAcceptDrops(False)
        self.setDragEnabled(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

    # -- the secret ----------------------------------------------------------------------
    def secret(self) -> str:
        """What was typed (the widget's own ``text()`` is only bullets)."""
        return self._secret

    def setText(self, text: str | None) -> None:
        self._secret = (text or "")[: self.maxLength()]
        super().setText(MASK * len(self._secret))  # also empties the undo history

    def clear(self) -> None:
        self.setText("")

    def insert(self, text: str) -> None:
        room = self.maxLength() - len(self._secret)
        added = text[: max(0, room)]
        if not added:
            return
        self._secret += added
        super().end(False)
        super().insert(MASK * len(added))

    def backspace(self) -> None:
        if not self._secret:
            return
        self._secret = self._secret[:-1]
        super().end(False)
        super().backspace()

    def paste(self) -> None:
        # As a line edit would, but the clipboard's text joins the secret, not the widget.
        self.insert(QGuiApplication.clipboard().text().replace("\n", ""))

    def undo(self) -> None:
        """Nothing: there is no history of a secret."""

    def redo(self) -> None:
        """Nothing: there is no history of a secret."""

    def cut(self) -> None:
        """Nothing: a secret never reaches the clipboard."""

    def copy(self) -> None:
        """Nothing: a secret never reaches the clipboard."""

    # -- events --------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if any(event.matches(chord) for chord in _REFUSED):
            event.accept()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)  # returnPressed / editingFinished; no text changes
        elif key == Qt.Key.Key_Backspace:
            self.backspace()
            event.accept()
        elif (
            event.text()
            and event.text().isprintable()
            and not event.modifiers() & _COMMAND_MODIFIERS
        ):
            self.insert(event.text())
            event.accept()
        elif key in (
            Qt.Key.Key_Left,
            Qt.Key.Key_Right,
            Qt.Key.Key_Home,
            Qt.Key.Key_End,
            Qt.Key.Key_Delete,
        ):
            event.accept()  # the caret stays at the end: nothing is edited inside a secret
        else:
            event.ignore()

    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        # An on-screen keyboard's committed text joins the secret; its preedit is never shown.
        if event.commitString():
            self.insert(event.commitString())
        event.accept()
