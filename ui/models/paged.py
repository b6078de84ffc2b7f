"""A list model of one conversation, oldest to newest, loaded one keyset page at a time.

A conversation reads like every messaging app: oldest at the top, newest at the
bottom, opened at the newest. The newest page is read first; older pages are
read when the resident scrolls to the top (:meth:`fetch_older`), on the task
pool, and put in above the rows already shown, so a 5,000-message thread opens
with one page and never blocks the screen. Qt's own ``canFetchMore`` (which
asks at the *bottom* of a view) stays False: the bottom is where a
conversation starts. ``refresh`` re-reads the newest page and merges it (new
messages at the bottom, changed ones in place, hidden ones out).
"""

from __future__ import annotations

from bisect import bisect_left
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
    from datetime import datetime

    from kiosk.views import MessagePage, MessageView, PageCursor

ItemRole = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: a list has no children
PageFetch = Callable[["PageCursor | None", int], "MessagePage"]  # (cursor or None, limit)


def _key(message: MessageView) -> tuple[datetime, int]:
    return (message.sort_at, message.message_id)


class PagedMessageModel(QAbstractListModel):
    """Messages, oldest first, the newest page loaded first and older pages on demand."""

    loaded = Signal(bool)  # a page arrived: True for the first (newest) page
    merged = Signal(int)  # a refresh merged: how many messages were added at the bottom
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
        self._items: list[MessageView] = []  # oldest first
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
            self.fetch_older()

    def clear(self) -> None:
        self.load(None)

    @property
    def loading(self) -> bool:
        return self._loading

    def can_fetch_older(self) -> bool:
        """True while older messages remain to be read and no page is on its way."""
        return self._has_more and not self._loading

    def fetch_older(self) -> None:
        """Read the next older page (the newest page first) and put it above the others."""
        fetch = self._fetch
        if fetch is None or self._loading or not self._has_more:
            return
        self._loading = True
        generation, cursor, limit = self._generation, self._cursor, self.page_size
        first = cursor is None
        self._tasks.run(
            lambda: fetch(cursor, limit),
            lambda page: self._prepend(generation, page, first),
            on_refusal=lambda r: self._failed(generation, r),
            on_error=lambda e: self._failed(generation, e),
            owner=self,
        )

    def _prepend(self, generation: int, page: MessagePage, first: bool) -> None:
        if generation != self._generation:
            return  # a page for a list that has since been reset
        self._loading = False
        # The core reads newest first; on screen the oldest comes first.
        fresh = [m for m in reversed(page.messages) if m.message_id not in self._rows_by_id]
        if fresh:
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self._items[0:0] = fresh
            self._reindex()
            self.endInsertRows()
        self._cursor = page.next_cursor
        self._has_more = page.next_cursor is not None
        self.loaded.emit(first)

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._loading = False
            self._has_more = False
            self.failed.emit(error)

    def _reindex(self) -> None:
        self._rows_by_id = {m.message_id: i for i, m in enumerate(self._items)}

    def refresh(self) -> None:
        """Merge the newest page: new messages at the bottom, changed ones updated in place."""
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
        # Messages hidden meanwhile leave the list: those the newest page covers but lacks.
        # (An empty newest page: nothing is left at all, e.g. the last message was deleted.)
        shown = {m.message_id for m in page.messages}
        cutoff = _key(page.messages[-1]) if page.messages else None
        gone = [
            r
            for r, m in enumerate(self._items)
            if (cutoff is None or _key(m) >= cutoff) and m.message_id not in shown
        ]
        if gone:
            for row in reversed(gone):
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._items[row]
                self.endRemoveRows()
        # New ones go where they belong by time (at the bottom, nearly always); one older
        # than every row shown arrives with the older pages instead.
        added_at_bottom = 0
        for message in sorted(newer, key=_key):
            if self._items and self._has_more and _key(message) < _key(self._items[0]):
                continue
            row = bisect_left([_key(m) for m in self._items], _key(message))
            added_at_bottom += row == len(self._items)
            self.beginInsertRows(QModelIndex(), row, row)
            self._items.insert(row, message)
            self.endInsertRows()
        self._reindex()
        self.merged.emit(added_at_bottom)

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
        """Every loaded message, oldest first."""
        return list(self._items)

    def newest(self) -> MessageView | None:
        """The newest loaded message (the bottom row), if any."""
        return self._items[-1] if self._items else None
