"""A list model that loads keyset pages on demand (``canFetchMore``/``fetchMore``).

The view asks for more when the resident scrolls near the end; the page is
read by the core on the task pool and appended on the UI thread, so a 50,000
message inbox opens with one page and never blocks the screen. ``refresh``
re-reads the newest page and merges it (new items on top, changed ones in
place) without losing the scroll position.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from ui.tasks import Tasks

if TYPE_CHECKING:
    from kiosk.views import MessagePage, MessageView, PageCursor

ItemRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: a list has no children
PageFetch = Callable[["PageCursor | None", int], "MessagePage"]  # (cursor or None, limit)


class PagedMessageModel(QAbstractListModel):
    """Messages, newest first, loaded one keyset page at a time."""

    loaded = Signal()  # a page arrived
    failed = Signal(object)

    def __init__(
        self,
        tasks: Tasks,
        describe: Callable[[MessageView], str],
        page_size: int = 100,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._describe = describe
        self.page_size = page_size
        self._fetch: PageFetch | None = None
        self._items: list[MessageView] = []
        self._rows_by_id: dict[int, int] = {}
        self._cursor: PageCursor | None = None
        self._has_more = False
        self._loading = False
        self._generation = 0

    # -- loading -----------------------------------------------------------------
    def load(self, fetch: PageFetch | None) -> None:
        """Start over with ``fetch`` (None: empty, e.g. at session end)."""
        self._generation += 1
        self.beginResetModel()
        self._fetch = fetch
        self._items = []
        self._rows_by_id = {}
        self._cursor = None
        self._has_more = fetch is not None
        self._loading = False
        self.endResetModel()
        if fetch is not None:
            self.fetchMore(QModelIndex())

    def clear(self) -> None:
        self.load(None)

    @property
    def loading(self) -> bool:
        return self._loading

    def canFetchMore(self, parent: Index = _ROOT) -> bool:
        return not parent.isValid() and self._has_more and not self._loading

    def fetchMore(self, parent: Index = _ROOT) -> None:
        fetch = self._fetch
        if parent.isValid() or fetch is None or self._loading or not self._has_more:
            return
        self._loading = True
        generation, cursor, limit = self._generation, self._cursor, self.page_size
        self._tasks.run(
            lambda: fetch(cursor, limit),
            lambda page: self._append(generation, page),
            on_refusal=lambda r: self._failed(generation, r),
            on_error=lambda e: self._failed(generation, e),
            owner=self,
        )

    def _append(self, generation: int, page: MessagePage) -> None:
        if generation != self._generation:
            return  # a page for a list that has since been reset
        self._loading = False
        fresh = [m for m in page.messages if m.message_id not in self._rows_by_id]
        if fresh:
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            for offset, message in enumerate(fresh):
                self._rows_by_id[message.message_id] = first + offset
            self._items.extend(fresh)
            self.endInsertRows()
        self._cursor = page.next_cursor
        self._has_more = page.next_cursor is not None
        self.loaded.emit()

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._loading = False
            self._has_more = False
            self.failed.emit(error)

    def refresh(self) -> None:
        """Merge the newest page: new messages on top, changed ones updated in place."""
        fetch = self._fetch
        if fetch is None:
            return
        generation, limit = self._generation, self.page_size
        self._tasks.run(
            lambda: fetch(None, limit),
            lambda page: self._merge(generation, page),
            on_refusal=lambda r: self._failed(generation, r),
            owner=self,
        )

    def _merge(self, generation: int, page: MessagePage) -> None:
        if generation != self._generation:
            return
        newer = []
        for message in page.messages:
            row = self._rows_by_id.get(message.message_id)
            if row is None:
                newer.append(message)
            elif self._items[row] != message:
                self._items[row] = message
                index = self.index(row)
                self.dataChanged.emit(index, index)
        # Messages hidden meanwhile leave the list.
        shown = {m.message_id for m in page.messages}
        if page.messages:
            oldest = page.messages[-1].message_id
            cutoff = self._rows_by_id.get(oldest, -1)
            gone = [r for r in range(0, cutoff) if self._items[r].message_id not in shown]
            for row in reversed(gone):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._items[row]
                self.endRemoveRows()
        top = [m for m in newer if not self._items or m.sort_at >= self._items[0].sort_at]
        if top:
            self.beginInsertRows(QModelIndex(), 0, len(top) - 1)
            self._items[0:0] = top
            self.endInsertRows()
        self._rows_by_id = {m.message_id: i for i, m in enumerate(self._items)}

    # -- model -------------------------------------------------------------------
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(
        self, index: Index, role: int = Qt.ItemDataRole.DisplayRole
    ) -> MessageView | str | None:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == ItemRole:
            return item
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(item)
        return None

    def item(self, row: int) -> MessageView:
        return self._items[row]

    def items(self) -> list[MessageView]:
        return list(self._items)
