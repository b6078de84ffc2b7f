"""Applying inbound messages from the change feed (kiosk.feed.apply_page)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.harness import Row
from benchmarks.world import load_messages, seed_resident
from kiosk.store import open_store

MESSAGES = 10_000
BUDGET_PER_S = 5_000  # a tablet back from weeks offline catches up in seconds


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="kite-bench-") as tmp:
        store = open_store(Path(tmp) / "kite.db")
        try:
            contacts = seed_resident(store)
            start = time.perf_counter()
            load_messages(store, MESSAGES, contacts, page=500)
            elapsed = time.perf_counter() - start
        finally:
            store.close()
    return [
        Row(
            f"intake: apply {MESSAGES:,} inbound messages (pages of 500)",
            BUDGET_PER_S,
            MESSAGES / elapsed,
            "messages/s",
            higher_is_better=True,
        )
    ]
