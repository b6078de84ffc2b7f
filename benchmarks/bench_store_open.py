"""How long opening an up-to-date store takes, and how much of it is the integrity check.

Builds a terminal database with 50,000 messages (default) in a temp folder,
then opens it repeatedly the way Kite starts. ``python -m benchmarks -k store_open``
puts its rows in the table; ``python -m benchmarks.bench_store_open`` prints the detail.

The budget is ours (no issue names one): opening the store is on the path to the
first painted sign-in screen, whose whole budget is about 1.4 s here, so the
store may take a small share of it.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from pathlib import Path

from benchmarks.harness import Row
from kiosk.store import open_store
from kiosk.store.checks import inspect
from kiosk.store.startup import BULK_TABLES


def build(path: Path, messages: int) -> None:
    open_store(path).close()
    rng = random.Random(7)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "INSERT INTO residents (id, facility_number, display_name, housing_unit, language,"
            " failed_attempts, updated_at) VALUES ('r-1', 'A-1', 'Dana', 'B-2', 'en', 0,"
            " '2026-11-20 10:00:00')"
        )
        db.executemany(
            "INSERT INTO contacts (id, resident_id, display_name, relationship_label, state,"
            " accepts_cod, updated_at) VALUES (?, 'r-1', 'Contact', '', 'approved', 0,"
            " '2026-11-20 10:00:00')",
            [(f"c-{n}",) for n in range(20)],
        )
        words = [
            "we",
            "miss",
            "you",
            "the",
            "kids",
            "are",
            "fine",
            "court",
            "date",
            "moved",
            "call",
            "soon",
            "love",
            "mom",
        ]
        db.executemany(
            "INSERT INTO messages (server_id, resident_id, contact_id, direction, body, media,"
            " sort_at, has_return_stamp, return_stamp_used, stamps_cost, hidden, read_at)"
            " VALUES (?, 'r-1', ?, 'inbound', ?, '[]', '2026-11-20 10:00:00', 0, 0, 0, 0, ?)",
            [
                (
                    f"m-{n}",
                    f"c-{n % 20}",
                    " ".join(rng.choices(words, k=rng.randint(20, 300))),
                    None if n % 10 == 0 else "2026-11-21 10:00:00",
                )
                for n in range(messages)
            ],
        )


def timed(action: object, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


OPEN_BUDGET_MS = 50.0
CHECK_BUDGET_MS = 10.0


def measure(messages: int, repeat: int) -> tuple[float, float, float, float]:
    """(size in MB, open ms, start-up check ms, whole-file check ms), medians."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kite.db"
        build(path, messages)
        size_mb = path.stat().st_size / 1e6

        def open_and_close() -> None:
            store = open_store(path)
            with store.read() as session:
                session.connection()  # a real connection, pragmas applied
            store.close()

        total = timed(open_and_close, repeat)
        at_start = timed(lambda: inspect(path, skip=BULK_TABLES), repeat)
        whole = timed(lambda: inspect(path), repeat)
        bare = timed(lambda: inspect(path, integrity=False), repeat)
    return size_mb, total, at_start - bare, whole - bare


def run() -> list[Row]:
    _size, total, at_start, _whole = measure(50_000, 7)
    return [
        Row(
            "open an up-to-date 50,000-message store (migrations checked)",
            OPEN_BUDGET_MS,
            total,
            "ms",
        ),
        Row("  of which the start-up integrity check", CHECK_BUDGET_MS, max(at_start, 0.0), "ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    size_mb, total, check, whole = measure(args.messages, args.repeat)
    print(f"database: {args.messages} messages, {size_mb:.1f} MB")
    print(f"open_store, up to date (median of {args.repeat}): {total:.1f} ms")
    print(f"  of which the start-up quick_check (all but the history): {check:.1f} ms")
    print(f"whole-file quick_check (before a migration only): {whole:.1f} ms")


if __name__ == "__main__":
    main()
