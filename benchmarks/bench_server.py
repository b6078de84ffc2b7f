"""Reference server budgets, over loopback against ``kite-central serve`` on SQLite.

1. Backlog: 10,000 approved messages waiting for one device, fetched from cursor 0
   in pages of 1,000 by a bare HTTP client (httpx, ``json.loads``, no validation).
   Budget: at least 20,000 messages/s.
2. Crowd: 200 enrolled devices long-polling at once (``wait=5``) while four
   terminals push purchases and families send transfers. Budget: no request fails
   (every answer is 200) and every poller is woken by the pushes' changes.

Run alone: ``python benchmarks/bench_server.py``; or with the others: ``python -m benchmarks``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import Row  # noqa: E402
from sync.server.clock import utcnow  # noqa: E402
from sync.server.db import Database  # noqa: E402
from sync.server.feed import publish, unit_audience  # noqa: E402
from sync.server.ids import new_id  # noqa: E402
from sync.server.models import Message  # noqa: E402
from sync.server.views import message_data  # noqa: E402
from tests.server.live import LiveServer, item, key, purchase  # noqa: E402

BACKLOG = 10_000
PAGE = 1_000
DEVICES = 200
CROWD_SECONDS = 10.0


def _backlog(server: LiveServer, unit: str, resident_id: str, contact_id: str) -> None:
    """10,000 approved inbound messages, written as review approval writes them."""
    db = Database(server.database_url)
    try:
        with db.write() as session:
            for n in range(BACKLOG):
                now = utcnow()
                message = Message(
                    id=new_id("msg"),
                    direction="inbound",
                    resident_id=resident_id,
                    contact_id=contact_id,
                    body=f"Message {n}: " + "news from home, " * 12,
                    status="approved",
                    created_at=now,
                    reviewed_at=now,
                )
                session.add(message)
                session.flush()
                audience = unit_audience("demo", unit)  # the worlds live in the demo facility
                publish(session, audience, "message", message_data(session, message))
    finally:
        db.dispose()


def measure_backlog(server: LiveServer) -> Row:
    world = server.world()
    _backlog(server, world.unit, world.resident.resident_id, world.resident.contact_id)
    messages = 0
    with server.client(world.credential, timeout=60) as client:
        client.get("/v1/health")  # connection warm, not the feed
        cursor = "0"
        started = time.perf_counter()
        while True:
            page = json.loads(
                client.get("/v1/changes", params={"cursor": cursor, "limit": PAGE}).content
            )
            messages += sum(1 for c in page["changes"] if c["kind"] == "message")
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        elapsed = time.perf_counter() - started
    assert messages == BACKLOG, messages
    return Row(
        "server: 10,000-message backlog to one device",
        20_000,
        messages / elapsed,
        "msg/s",
        higher_is_better=True,
    )


def measure_crowd(server: LiveServer) -> list[Row]:
    world = server.world(residents=4, debit_cents=1_000_000, devices=4)
    with ThreadPoolExecutor(8) as pool:
        pollers = list(pool.map(lambda _: server.enroll_device([world.unit])[1], range(DEVICES)))
    failures: list[str] = []
    woken = [0] * DEVICES
    polls = [0] * DEVICES
    stop = threading.Event()

    def poll(index: int) -> None:
        with server.client(pollers[index], timeout=30) as client:
            cursor = "0"
            while not stop.is_set():
                try:
                    answer = client.get(
                        "/v1/changes", params={"cursor": cursor, "limit": 1000, "wait": 5}
                    )
                except httpx.HTTPError as exc:
                    failures.append(f"poll: {type(exc).__name__}")
                    continue
                polls[index] += 1
                if answer.status_code != 200:
                    failures.append(f"poll: {answer.status_code}")
                    continue
                page = answer.json()
                if page["changes"] and cursor != "0":
                    woken[index] += 1
                cursor = page["next_cursor"]

    pushed = [0]

    def push(index: int) -> None:
        resident = world.residents[index]
        with world.terminal(index) as terminal, world.family() as family:
            seq = 0
            while not stop.is_set():
                seq += 1
                answer = terminal.post(
                    "/v1/push",
                    json={"items": [item("purchase_stamps", seq, purchase(resident.resident_id))]},
                )
                if answer.status_code != 200:
                    failures.append(f"push: {answer.status_code}")
                gift = family.post(
                    "/v1/family/transfers",
                    json={"idempotency_key": key(), "contact_id": resident.contact_id, "stamps": 1},
                )
                if gift.status_code != 200:
                    failures.append(f"transfer: {gift.status_code}")
                pushed[0] += 2
                time.sleep(0.2)

    threads = [threading.Thread(target=poll, args=(i,)) for i in range(DEVICES)]
    threads += [threading.Thread(target=push, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(CROWD_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(60)
    all_woken = sum(1 for w in woken if w > 0)
    print(
        f"crowd: {sum(polls)} polls answered, {pushed[0]} writes, failures: {failures[:5]}",
        file=sys.stderr,
    )
    return [
        Row(
            f"server: failed requests, {DEVICES} long-polls + pushes",
            0,
            len(failures),
            "requests",
        ),
        Row(
            f"server: long-polling devices woken by news (of {DEVICES})",
            DEVICES,
            all_woken,
            "devices",
            higher_is_better=True,
        ),
    ]


def run() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="kite-bench-server-") as tmp:
        server = LiveServer.start(Path(tmp))
        try:
            rows = [measure_backlog(server)]
            rows += measure_crowd(server)
        finally:
            server.stop()
    return rows


if __name__ == "__main__":
    from benchmarks.harness import table

    result = run()
    print(table(result))
    sys.exit(0 if all(r.ok for r in result) else 1)
