"""A scrolling column of cards, rebuilt whole each time its screen shows new data.

The contacts, new-message and drafts screens each list rows in one (their cards,
section headings, an empty-list line), cleared and filled again on every refresh.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLayout, QScrollArea, QVBoxLayout, QWidget


class CardList(QScrollArea):
    """``rows`` is the column's layout and ``body`` the parent for what goes in it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.body = QWidget()
        self.rows = QVBoxLayout(self.body)
        self.rows.setSpacing(8)
        # The body is never shorter than its rows need: with word-wrapped labels the
        # scroll area sized it by height-for-width, which ignores the rows' minimum
        # heights, so rows overlapped and their buttons were cut (contacts at 800 px).
        self.rows.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.setWidget(self.body)

    def clear(self) -> None:
        """Remove every row (deleted once the event loop is back), the end stretch too."""
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
