"""Sync engine budgets, measured over loopback (a benchmark, not a test).

1. Pull: a 10,000-message backlog, fetched in pages of 1,000 from a loopback
   HTTP server, validated against the wire models and applied through
   ``kiosk.feed`` with the cursor, one transaction per page. Budget: at least
   10,000 messages/s and within 3x of the raw limit measured in the same run:
   the same bytes fetched with requests, ``json.loads``, and a bare
   ``executemany`` into an SQLite WAL database with ``synchronous=FULL``; five
   paired runs, the median ratio. Both are measured after the process has
   frozen its start-up heap, as the kiosk does once started (``kiosk.heap``).
2. Push: 1,000 queued replies pushed to the real reference server
   (``kite-central serve`` on 127.0.0.1), as the worker pushes them (batches of
   the protocol maximum). Budget: 2 s or less, the median of five runs.

Run: ``python benchmarks/bench_sync.py`` (``--json`` for machine output).
Exit status 0 when every budget holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import keyring
import requests
from keyrings.alt.file import PlaintextKeyring

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import Row  # noqa: E402
from kiosk.config import Settings  # noqa: E402
from kiosk.heap import freeze_startup_heap  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from sync import pull, push  # noqa: E402
from sync.backoff import Backoff  # noqa: E402
from sync.client import SyncClient  # noqa: E402
from sync.credentials import CredentialStore  # noqa: E402

MESSAGES = 10_000
PAGE = 1_000
PUSH_ITEMS = 1_000
PUSH_RUNS = 5  # a fresh server and store each; the table shows the median
PULL_RUNS = 5  # raw limit and engine, paired; the table shows the median ratio
T0 = "2026-11-23T08:00:00Z"


def build_pages() -> dict[str, bytes]:
    """The backlog as the feed serves it: cursor -> page body."""
    changes: list[dict[str, Any]] = [
        {
            "cursor": "1",
            "kind": "resident",
            "data": {
                "resident_id": "r1",
                "facility_number": "1001",
                "display_name": "Alex Rivera",
                "housing_unit": "unit-a",
                "language": "en",
            },
        },
        {
            "cursor": "2",
            "kind": "contact",
            "data": {
                "contact_id": "c1",
                "resident_id": "r1",
                "display_name": "Rosa Rivera",
                "relationship": "mother",
                "state": "approved",
                "accepts_cod": True,
            },
        },
    ]
    for i in range(MESSAGES):
        changes.append(
            {
                "cursor": str(3 + i),
                "kind": "message",
                "data": {
                    "message_id": f"msg-{i:06d}",
                    "resident_id": "r1",
                    "contact_id": "c1",
                    "body": f"Message number {i}: " + "news from home. " * 12,
                    "media": [],
                    "has_return_stamp": i % 7 == 0,
                    "approved_at": T0,
                },
            }
        )
    pages: dict[str, bytes] = {}
    cursor = "0"
    for start in range(0, len(changes), PAGE):
        chunk = changes[start : start + PAGE]
        nxt = chunk[-1]["cursor"]
        more = start + PAGE < len(changes)
        pages[cursor] = json.dumps(
            {"changes": chunk, "next_cursor": nxt, "has_more": more}
        ).encode()
        cursor = nxt
    return pages


@contextmanager
def feed_server(pages: dict[str, bytes]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            query = parse_qs(urlparse(self.path).query)
            body = pages.get(query.get("cursor", ["0"])[0]) or pages["0"]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def raw_limit(url: str, folder: Path) -> float:
    """Seconds to fetch the same pages, decode them and executemany into SQLite WAL FULL."""
    db = sqlite3.connect(folder / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(
        "CREATE TABLE messages (server_id TEXT UNIQUE, resident_id TEXT, contact_id TEXT, "
        "body TEXT, has_return_stamp INTEGER, sort_at TEXT)"
    )
    session = requests.Session()
    started = time.perf_counter()
    cursor = "0"
    while True:
        page = json.loads(session.get(f"{url}/v1/changes", params={"cursor": cursor}).content)
        rows = [
            (
                d["message_id"],
                d["resident_id"],
                d["contact_id"],
                d["body"],
                d["has_return_stamp"],
                d["approved_at"],
            )
            for c in page["changes"]
            if c["kind"] == "message"
            for d in (c["data"],)
        ]
        db.execute("BEGIN")
        db.executemany("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)", rows)
        db.execute("COMMIT")
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def engine_pull(url: str, folder: Path) -> float:
    (folder / "engine").mkdir()
    store = open_store(folder / "engine" / "kite.db")
    credentials = CredentialStore(service="kite-bench")
    credentials.store_credential("bench-credential-0123456789")
    client = SyncClient(Settings(server_url=url, data_dir=folder), credentials.credential)
    try:
        started = time.perf_counter()
        report = pull.pull_until_caught_up(store, client, limit=PAGE)
        elapsed = time.perf_counter() - started
        assert report.changes == MESSAGES + 2, report
    finally:
        client.close()
        store.close()
    return elapsed


def bench_push(folder: Path) -> tuple[float, float]:
    """Seconds to push 1,000 queued replies, and how many of them were spent in HTTP."""
    from kiosk import outbox
    from kiosk.compose import send_reply
    from kiosk.policy import any_policy
    from sync import enrollment
    from sync.authenticator import OnlineAuthenticator
    from tests.fault.clocks import open_hours_clock
    from tests.fault.worlds import grant_stamps
    from tests.server.live import LiveServer

    (folder / "central").mkdir()
    server = LiveServer.start(folder / "central")
    try:
        world = server.world(residents=1, debit_cents=1000, stamps=0, devices=1)
        grant_stamps(world, PUSH_ITEMS)
        credentials = CredentialStore(service="kite-bench-push")
        credentials.store_credential(world.credential)
        settings = Settings(server_url=server.url, data_dir=folder / "pusher", long_poll_s=0)
        (folder / "pusher").mkdir()
        store = open_store(settings.database_path)
        client = SyncClient(settings, credentials.credential)
        clock = open_hours_clock()
        pull.pull_until_caught_up(store, client, clock=clock)
        resident = world.resident
        # Queued as a signed-in resident's replies are: each proved (protocol 1.4).
        enrollment.device_id(store, restored=world.devices[0][0])
        profile = OnlineAuthenticator(client).authenticate(resident.facility_number, resident.pin)
        with store.write() as session:
            outbox.sign_for(session, resident.resident_id, profile.signer)
            policy = any_policy(session)
            assert policy is not None
            for i in range(PUSH_ITEMS):
                send_reply(
                    session,
                    policy,
                    resident.resident_id,
                    resident.contact_id,
                    None,
                    f"Reply {i}: thank you for the letter.",
                    clock(),
                )
        in_http = 0.0
        send = client.push

        def timed_push(items: list[dict[str, Any]]) -> bytes:
            nonlocal in_http
            began = time.perf_counter()
            try:
                return send(items)
            finally:
                in_http += time.perf_counter() - began

        client.push = timed_push  # type: ignore[method-assign]
        started = time.perf_counter()
        report = push.push_due(store, client, clock=clock, backoff=Backoff())  # as the worker does
        elapsed = time.perf_counter() - started
        assert report.accepted >= PUSH_ITEMS, report
        client.close()
        store.close()
    finally:
        server.stop()
    return elapsed, in_http


def measure() -> dict[str, Any]:
    """Run both measurements (several times each); the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="kite-bench-") as name:
        folder = Path(name)
        backend = PlaintextKeyring()
        backend.file_path = str(folder / "keyring.cfg")
        keyring.set_keyring(backend)
        pages = build_pages()
        pulls = []
        with feed_server(pages) as url:
            # The kiosk pulls in a started process, whose start-up heap is frozen
            # (kiosk.heap); so is this one's, for the raw limit and the engine alike.
            freeze_startup_heap()
            for run in range(PULL_RUNS):
                (folder / f"pull-{run}").mkdir()
                raw = raw_limit(url, folder / f"pull-{run}")
                engine = engine_pull(url, folder / f"pull-{run}")
                pulls.append((engine / raw, raw, engine))  # each run against its own raw limit
        pulls.sort()
        _, raw, engine = pulls[len(pulls) // 2]  # the median ratio
        runs = []
        for run in range(PUSH_RUNS):
            (folder / f"push-{run}").mkdir()
            runs.append(bench_push(folder / f"push-{run}"))
    runs.sort()
    pushed, pushed_http = runs[len(runs) // 2]  # the median run
    return {
        "backlog_messages": MESSAGES,
        "backlog_bytes": sum(len(p) for p in pages.values()),
        "raw_pull_s": round(raw, 3),
        "engine_pull_s": round(engine, 3),
        "engine_messages_per_s": round(MESSAGES / engine),
        "engine_vs_raw": round(engine / raw, 2),
        "engine_vs_raw_worst": round(pulls[-1][0], 2),
        "pull_runs": PULL_RUNS,
        "push_1000_s": round(pushed, 3),
        "push_1000_in_http_s": round(pushed_http, 3),  # the server's share, with transport
        "push_1000_worst_s": round(runs[-1][0], 3),
        "push_runs": PUSH_RUNS,
    }


def rows(results: dict[str, Any]) -> list[Row]:
    """The figures against issue 5's budgets, as rows of the benchmark table."""
    return [
        Row(
            "sync: pull a 10,000-message backlog over loopback",
            10_000,
            results["engine_messages_per_s"],
            "messages/s",
            higher_is_better=True,
        ),
        Row(
            f"sync: pull time / raw limit (same bytes, json, bare executemany), "
            f"median of {results['pull_runs']} (worst {results['engine_vs_raw_worst']:.2f})",
            3.0,
            results["engine_vs_raw"],
            "",
            is_ratio=True,
        ),
        Row(
            f"sync: push 1,000 queued replies, median of {results['push_runs']} "
            f"(worst {results['push_1000_worst_s']:.2f} s; "
            f"{results['push_1000_in_http_s']:.1f} s on the wire)",
            2_000,
            results["push_1000_s"] * 1000,
            "ms",
        ),
    ]


def run() -> list[Row]:
    """For ``python -m benchmarks``."""
    return rows(measure())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = measure()
    budgets = {row.figure: row.ok for row in rows(results)}
    if args.json:
        print(json.dumps({"results": results, "budgets": budgets}, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:24} {value}")
        for name, held in budgets.items():
            print(f"{'PASS' if held else 'MISS'}  {name}")
    return 0 if all(budgets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
