"""The conversation list: one row per contact (a handful of rows, loaded whole)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractListModel, QObject, Qt

from ui.models.paged import _ROOT, Index, ItemRole

if TYPE_CHECKING:
    from kiosk.views import ConversationView


class ConversationModel(QAbstractListModel):
    """``kiosk.views.ConversationView`` rows, as the core ordered them."""

    def __init__(
        self, describe: Callable[[ConversationView], str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._describe = describe
        self._rows: list[ConversationView] = []

    def set_rows(self, rows: Sequence[ConversationView]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(
        self, index: Index, role: int = Qt.ItemDataRole.DisplayRole
    ) -> ConversationView | str | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ItemRole:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(row)
        return None

    def row(self, number: int) -> ConversationView | None:
        return self._rows[number] if 0 <= number < len(self._rows) else None

    def rows(self) -> list[ConversationView]:
        return list(self._rows)
