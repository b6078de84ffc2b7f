"""What encrypting the store at rest (SQLCipher) costs, plain against encrypted.

The store operations a resident waits on or the sync engine repeats:

- opening an up-to-date 50,000-message store, as Kite starts (``bench_store_open``'s
  database, encrypted in place for the second figure);
- applying pulled feed pages of 500 inbound messages (10,000 messages);
- a send: one reply queued (message, payment by the return stamp, outbox row) in
  one durable write transaction (``synchronous=FULL``: an fsync), the median of 200.

Plain and encrypted take turns, five rounds, and each figure is the median.

Each row's budget is the encrypted figure over the plain one; ours (no issue
names one): encryption may not make any of them twice as slow.
``python -m benchmarks.bench_encryption`` prints the detail.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.bench_store_open import build
from benchmarks.harness import Row
from benchmarks.world import START, load_messages, seed_resident
from kiosk.compose import send_reply
from kiosk.policy import any_policy, save_policy
from kiosk.store import cipher, open_store

KEY = os.urandom(32)
RATIO_BUDGET = 2.0
OPEN_MESSAGES = 50_000
PAGES_OF = 500
INTAKE = 10_000
SENDS = 200


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def built(folder: Path, key: bytes | None) -> Path:
    path = folder / ("encrypted.db" if key else "plain.db")
    build(path, OPEN_MESSAGES)
    if key is not None:
        cipher.encrypt_in_place(path, key)
    return path


def open_ms(path: Path, key: bytes | None) -> float:
    def open_and_close() -> None:
        store = open_store(path, key)
        with store.read() as session:
            session.connection()  # a real connection, keyed, pragmas applied
        store.close()

    open_and_close()  # the page cache warm for both, as at a restart
    return _median_ms(open_and_close, 7)


def intake_and_send(folder: Path, key: bytes | None) -> tuple[float, float]:
    """(messages/s applying pulled pages, median ms of one send)."""
    store = open_store(folder / ("i-encrypted.db" if key else "i-plain.db"), key)
    try:
        contacts = seed_resident(store)
        with store.write() as session:
            save_policy(session, {"facility_id": "bench"}, START)
        start = time.perf_counter()
        load_messages(store, INTAKE, contacts, page=PAGES_OF)
        rate = INTAKE / (time.perf_counter() - start)
        with store.read() as session:
            from kiosk.store.models import Message

            stamped = [
                (m.id, m.contact_id)
                for m in session.query(Message).filter(Message.has_return_stamp.is_(True))
            ][:SENDS]
        samples = []
        for message_id, contact_id in stamped:
            began = time.perf_counter()
            with store.write() as session:
                policy = any_policy(session)
                assert policy is not None
                send_reply(session, policy, "r1", contact_id, message_id, "Thank you.", START)
            samples.append((time.perf_counter() - began) * 1000)
    finally:
        store.close()
    return rate, statistics.median(samples)


ROUNDS = 5


def measure() -> dict[str, float]:
    """Medians over ROUNDS rounds, plain and encrypted taking turns (the machine's load and
    its page cache then weigh on both alike)."""
    found: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="kite-bench-") as tmp:
        stores = {"plain": built(Path(tmp), None), "encrypted": built(Path(tmp), KEY)}
        for _ in range(ROUNDS):
            for name, key in (("plain", None), ("encrypted", KEY)):
                found.setdefault(f"open_{name}_ms", []).append(open_ms(stores[name], key))
                with tempfile.TemporaryDirectory(prefix="kite-bench-", dir=tmp) as each:
                    rate, send = intake_and_send(Path(each), key)
                found.setdefault(f"intake_{name}_per_s", []).append(rate)
                found.setdefault(f"send_{name}_ms", []).append(send)
    return {name: statistics.median(values) for name, values in found.items()}


def rows(r: dict[str, float]) -> list[Row]:
    return [
        Row(
            f"encrypted / plain store: open 50,000 messages "
            f"({r['open_encrypted_ms']:.1f} ms against {r['open_plain_ms']:.1f} ms)",
            RATIO_BUDGET,
            r["open_encrypted_ms"] / r["open_plain_ms"],
            "",
            is_ratio=True,
        ),
        Row(
            f"encrypted / plain store: apply pulled pages of {PAGES_OF} "
            f"({r['intake_encrypted_per_s']:,.0f} against {r['intake_plain_per_s']:,.0f} "
            "messages/s)",
            RATIO_BUDGET,
            r["intake_plain_per_s"] / r["intake_encrypted_per_s"],
            "",
            is_ratio=True,
        ),
        Row(
            f"encrypted / plain store: one send, durable commit "
            f"({r['send_encrypted_ms']:.2f} ms against {r['send_plain_ms']:.2f} ms)",
            RATIO_BUDGET,
            r["send_encrypted_ms"] / r["send_plain_ms"],
            "",
            is_ratio=True,
        ),
    ]


def run() -> list[Row]:
    return rows(measure())


def main() -> None:
    for name, value in measure().items():
        print(f"{name}: {value:,.2f}")


if __name__ == "__main__":
    main()
