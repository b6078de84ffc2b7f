"""A plain-text editor that never holds more than its limit plus a small margin.

Every input route is bounded before the text reaches the document: a paste is
cut to the room left before insertion (a 1 MB unbroken line laid out first
froze the kiosk for minutes), an input method's commit likewise, and anything
else (typing, the on-screen keyboard) is trimmed back at once. Drops are
refused: nothing dragged in, least of all a file, becomes text.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QInputMethodEvent,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

# Room past the facility's limit, so the counter can still say "too long" for typed text.
MARGIN = 100


class BoundedTextEdit(QPlainTextEdit):
    """A :class:`QPlainTextEdit` bounded to ``limit + MARGIN`` characters."""

    def __init__(self, limit: int = 30_000, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bound = limit + MARGIN
        self._changed_at = (0, 0)
        self._trimming = False
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        # Tab moves on to Send, as in every other field: typed into the text it trapped a
        # keyboard user in the editor (WCAG 2.1.2). A message has no use for a tab stop.
        self.setTabChangesFocus(True)
        self.document().contentsChange.connect(self._note_change)
        self.textChanged.connect(self._trim)

    @property
    def bound(self) -> int:
        """The most characters this editor ever holds."""
        return self._bound

    def set_limit(self, limit: int) -> None:
        self._bound = limit + MARGIN
        self._changed_at = (self.length(), 0)
        self._trim()

    def length(self) -> int:
        return self.document().characterCount() - 1

    def room(self) -> int:
        """Characters that may still go in, counting the selection an insertion replaces."""
        selected = len(self.textCursor().selectedText())
        return max(0, self._bound - self.length() + selected)

    # -- paste and drops -------------------------------------------------------
    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return source.hasText() and not source.hasUrls()

    def insertFromMimeData(self, source: QMimeData) -> None:
        if not self.canInsertFromMimeData(source):
            return
        text = source.text()[: self.room()]  # cut before the document ever sees it
        if text:
            self.insertPlainText(text)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        event.ignore()

    # -- input methods -----------------------------------------------------------
    def inputMethodEvent(self, event: QInputMethodEvent) -> None:
        commit = event.commitString()
        if len(commit) > self.room():
            bounded = QInputMethodEvent(event.preeditString(), event.attributes())
            bounded.setCommitString(
                commit[: self.room()], event.replacementStart(), event.replacementLength()
            )
            event = bounded
        super().inputMethodEvent(event)

    # -- the net under every other route ---------------------------------------------
    def _note_change(self, position: int, _removed: int, added: int) -> None:
        self._changed_at = (position, added)

    def _trim(self) -> None:
        excess = self.length() - self._bound
        if excess <= 0 or self._trimming:
            return
        position, added = self._changed_at
        end = min(position + added, self.length())
        start = max(0, end - excess)
        self._trimming = True
        try:
            cursor = QTextCursor(self.document())
            cursor.setPosition(start)
            cursor.setPosition(min(self.length(), start + excess), QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
        finally:
            self._trimming = False
