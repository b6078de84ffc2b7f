"""Reading the inbox and a thread of a resident with 50,000 messages (keyset paging)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.harness import Row, median_ms
from benchmarks.world import load_messages, seed_resident
from kiosk import inbox
from kiosk.store import open_store
from kiosk.store.database import Store
from kiosk.views import MessagePage, PageCursor

MESSAGES = 50_000
PAGE = 50
PAGE_BUDGET_MS = 25.0  # a page must appear instantly on a kiosk
CONVERSATIONS_BUDGET_MS = 50.0
DEEP_RATIO_BUDGET = 2.0  # a deep page may cost at most twice the first one


def _cursor_at(store: Store, depth: int, page: MessagePage, contact: str | None) -> PageCursor:
    cursor = page.next_cursor
    with store.read() as db:
        for _ in range(depth // PAGE - 1):
            assert cursor is not None
            if contact is None:
                cursor = inbox.inbox_page(db, "r1", cursor, PAGE).next_cursor
            else:
                cursor = inbox.thread_page(db, "r1", contact, cursor, PAGE).next_cursor
    assert cursor is not None
    return cursor


def _measure(store: Store, label: str, contact: str | None, depth: int) -> list[Row]:
    def first() -> MessagePage:
        with store.read() as db:
            if contact is None:
                return inbox.inbox_page(db, "r1", None, PAGE)
            return inbox.thread_page(db, "r1", contact, None, PAGE)

    deep_cursor = _cursor_at(store, depth, first(), contact)

    def deep() -> MessagePage:
        with store.read() as db:
            if contact is None:
                return inbox.inbox_page(db, "r1", deep_cursor, PAGE)
            return inbox.thread_page(db, "r1", contact, deep_cursor, PAGE)

    first_ms, deep_ms = median_ms(first), median_ms(deep)
    return [
        Row(f"{label}: first page of {PAGE}", PAGE_BUDGET_MS, first_ms, "ms"),
        Row(f"{label}: page after {depth:,} messages", PAGE_BUDGET_MS, deep_ms, "ms"),
        Row(
            f"{label}: deep page / first page",
            DEEP_RATIO_BUDGET,
            deep_ms / first_ms,
            "",
            is_ratio=True,
        ),
    ]


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="kite-bench-") as tmp:
        store = open_store(Path(tmp) / "kite.db")
        try:
            contacts = seed_resident(store, contacts=10)
            load_messages(store, MESSAGES, contacts, page=2000)
            rows = _measure(store, f"inbox of a {MESSAGES:,}-message resident", None, 45_000)
            rows += _measure(store, "thread of 5,000 messages", contacts[0], 4_500)

            def conversations() -> object:
                with store.read() as db:
                    return inbox.conversations(db, "r1")

            rows.append(
                Row(
                    "conversation list (10 contacts, 50,000 messages, unread counts)",
                    CONVERSATIONS_BUDGET_MS,
                    median_ms(conversations),
                    "ms",
                )
            )
        finally:
            store.close()
    return rows
