"""Retries never charge twice; two terminals racing for the last cent never overdraw."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from urllib.parse import urlparse

from sync.protocol import PROTOCOL_HEADER
from tests.server.live import LiveServer, World, item, key, ok, purchase


def send_and_hang_up(url: str, credential: str, body: dict[str, Any]) -> None:
    """POST /v1/push and close the connection without reading the answer (answer lost)."""
    target = urlparse(url)
    raw = json.dumps(body).encode()
    request = (
        f"POST /v1/push HTTP/1.1\r\nHost: {target.netloc}\r\n"
        f"Authorization: Bearer {credential}\r\n{PROTOCOL_HEADER}: 1.0\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(raw)}\r\n\r\n"
    ).encode() + raw
    with socket.create_connection((target.hostname, target.port)) as conn:
        conn.sendall(request)


def _wait_for(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the server never applied the item"
        time.sleep(0.05)


def test_same_purchase_sent_fifty_times_with_lost_answers_charges_once(world: World) -> None:
    rid = world.resident.resident_id
    the_purchase = world.server.proved(
        world.credential,
        {"items": [item("purchase_stamps", 1, purchase(rid, "book-10", 10, 450))]},
    )
    with ThreadPoolExecutor(8) as pool:
        for f in [
            pool.submit(send_and_hang_up, world.server.url, world.credential, the_purchase)
            for _ in range(49)
        ]:
            f.result()
    _wait_for(lambda: world.server.balances(rid) != (5, 1000))
    with world.terminal() as terminal:
        [last] = ok(terminal.post("/v1/push", json=the_purchase))["results"]
    assert last["outcome"] == "duplicate"
    assert last["original_outcome"] == "accepted"
    assert last["result"]["debit"]["cents"] == 550
    time.sleep(0.5)  # let any straggler finish: none may charge again
    assert world.server.balances(rid) == (15, 550)


def test_two_terminals_buying_with_the_last_cents_never_overdraw(
    central_server: LiveServer,
) -> None:
    world = central_server.world(devices=2)
    rid = world.resident.resident_id
    wins = 0
    for seq in range(1, 9):
        with central_server.staff() as staff:
            ok(
                staff.post(
                    f"/v1/staff/residents/{rid}/deposit",
                    json={"idempotency_key": key(), "cents": 50},
                )
            )
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(partial(_buy, world, seq=seq, barrier=barrier), [0, 1]))
        outcomes = sorted((r["outcome"], r["reason"]) for r in results)
        assert outcomes == [("accepted", None), ("rejected", "insufficient_funds")]
        wins += 1
        assert central_server.balances(rid)[1] == 0
    assert central_server.balances(rid) == (wins, 0)


def _buy(world: World, index: int, seq: int, barrier: threading.Barrier) -> dict[str, Any]:
    body = {"items": [item("purchase_stamps", seq, purchase(world.resident.resident_id))]}
    with world.terminal(index) as terminal:
        barrier.wait()
        return ok(terminal.post("/v1/push", json=body))["results"][0]
