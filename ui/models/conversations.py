"""The conversation list: one row per contact (a handful of rows, loaded whole)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, Qt

from ui.models.paged import _ROOT, Index, ItemRole


class ConversationModel(QAbstractListModel):
    """``kiosk.views.ConversationView`` rows, as the core ordered them."""

    def __init__(self, describe: Callable[[Any], str], parent: Any = None) -> None:
        super().__init__(parent)
        self._describe = describe
        self._rows: list[Any] = []

    def set_rows(self, rows: tuple[Any, ...] | list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ItemRole:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(row)
        return None

    def rows(self) -> list[Any]:
        return list(self._rows)
