"""The change feed: scope, paging, cursor correctness under concurrent writers, long-poll."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.server.live import (
    LiveServer,
    World,
    item,
    key,
    ok,
    pull_all,
    purchase,
)


def test_new_device_pulls_its_units_world_from_the_start(world: World) -> None:
    with world.terminal() as terminal:
        changes, _ = pull_all(terminal)
    kinds = {c["kind"] for c in changes}
    assert {"policy", "resident", "contact", "ledger_entry", "debit_balance"} <= kinds
    residents = {c["data"]["resident_id"] for c in changes if c["kind"] == "resident"}
    assert residents == {world.resident.resident_id}  # nobody from other units


def test_pages_follow_the_cursor_without_gaps_or_repeats(central_server: LiveServer) -> None:
    world = central_server.world(residents=3, debit_cents=1000, stamps=2)
    with world.terminal() as terminal:
        whole, last = pull_all(terminal, limit=1000)
        paged, last_paged = pull_all(terminal, limit=3)
    assert [c["cursor"] for c in paged] == [c["cursor"] for c in whole]
    assert last == last_paged
    cursors = [int(c["cursor"]) for c in whole]
    assert cursors == sorted(set(cursors))


def test_only_approved_inbound_messages_reach_the_terminal(world: World) -> None:
    r = world.resident
    with world.family() as family:
        sent = [
            ok(
                family.post(
                    "/v1/family/messages",
                    json={"idempotency_key": key(), "contact_id": r.contact_id, "body": text},
                )
            )["message_id"]
            for text in ("approve me", "reject me", "leave me pending")
        ]
    with world.server.staff() as staff:
        ok(staff.post(f"/v1/staff/review/{sent[0]}", json={"decision": "approve"}))
        ok(
            staff.post(
                f"/v1/staff/review/{sent[1]}", json={"decision": "reject", "reason": "not allowed"}
            )
        )
    with world.terminal() as terminal:
        changes, _ = pull_all(terminal)
    delivered = [c["data"]["message_id"] for c in changes if c["kind"] == "message"]
    assert delivered == [sent[0]]


def test_cursor_never_skips_or_repeats_a_change_under_concurrent_writers(
    central_server: LiveServer,
) -> None:
    world = central_server.world(residents=4, debit_cents=100_000, devices=5)
    seen: list[dict[str, Any]] = []
    done = threading.Event()

    def write(index: int) -> None:
        rid = world.residents[index].resident_id
        with world.terminal(index + 1) as terminal:
            for seq in range(1, 16):
                ok(
                    terminal.post(
                        "/v1/push", json={"items": [item("purchase_stamps", seq, purchase(rid))]}
                    )
                )

    def read() -> None:
        cursor = "0"
        with world.terminal(0) as terminal:
            while True:
                finished = done.is_set()
                page = ok(terminal.get("/v1/changes", params={"cursor": cursor, "limit": 7}))
                seen.extend(page["changes"])
                cursor = page["next_cursor"]
                if finished and not page["has_more"]:
                    return

    reader = threading.Thread(target=read)
    reader.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    done.set()
    reader.join(60)
    with world.terminal(0) as terminal:
        everything, _ = pull_all(terminal)
    seen_cursors = [c["cursor"] for c in seen]
    assert len(seen_cursors) == len(set(seen_cursors)), "a change came twice"
    assert seen_cursors == [c["cursor"] for c in everything], "a change was skipped"
    purchases = [c for c in seen if c["kind"] == "ledger_entry" and c["data"]["kind"] == "purchase"]
    assert len(purchases) == 4 * 15


def test_long_poll_wakes_when_a_change_commits(world: World) -> None:
    with world.terminal() as terminal:
        _, cursor = pull_all(terminal)
    answer: dict[str, Any] = {}

    def poll() -> None:
        with world.terminal() as terminal:
            started = time.monotonic()
            answer["page"] = ok(terminal.get("/v1/changes", params={"cursor": cursor, "wait": 30}))
            answer["waited"] = time.monotonic() - started

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.5)
    assert poller.is_alive(), "the poll returned before there was news"
    with world.family() as family:
        ok(
            family.post(
                "/v1/family/transfers",
                json={
                    "idempotency_key": key(),
                    "contact_id": world.resident.contact_id,
                    "stamps": 2,
                },
            )
        )
    poller.join(35)
    kinds = [c["kind"] for c in answer["page"]["changes"]]
    assert kinds == ["ledger_entry"]
    assert answer["waited"] < 15, "the poll was not woken; it ran out its wait"


def test_long_poll_with_no_news_returns_an_empty_page_at_the_same_cursor(world: World) -> None:
    with world.terminal() as terminal:
        _, cursor = pull_all(terminal)
        page = ok(terminal.get("/v1/changes", params={"cursor": cursor, "wait": 1}))
    assert page["changes"] == [] and page["has_more"] is False
    assert int(page["next_cursor"]) >= int(cursor)


def test_device_commands_reach_only_their_device(central_server: LiveServer) -> None:
    world = central_server.world(devices=2)
    wiped = world.devices[0][0]
    with central_server.staff() as staff:
        ok(staff.post(f"/v1/staff/devices/{wiped}/wipe"))
    with world.terminal(0) as first, world.terminal(1) as second:
        mine, _ = pull_all(first)
        theirs, _ = pull_all(second)
    assert [c["data"] for c in mine if c["kind"] == "device_command"] == [{"command": "wipe"}]
    assert [c for c in theirs if c["kind"] == "device_command"] == []


def test_cursor_the_server_never_issued_is_refused_not_silently_served(world: World) -> None:
    with world.terminal() as terminal:
        _, cursor = pull_all(terminal)
        answer = terminal.get("/v1/changes", params={"cursor": str(int(cursor) + 1_000_000)})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "cursor_ahead"
    assert answer.json()["error"]["params"]["head"] == cursor


def test_long_poll_wakes_when_a_push_batch_ending_in_a_refusal_commits(
    backend: str, tmp_path: Path
) -> None:
    # Re-reads far apart: only the wake-up can end this poll early.
    server = LiveServer.start(tmp_path, backend, env={"KITE_CENTRAL_POLL_RECHECK_S": "60"})
    try:
        world = server.world(residents=1, debit_cents=500, stamps=0)
        rid = world.resident.resident_id
        with world.terminal() as terminal:
            _, cursor = pull_all(terminal)
        answer: dict[str, Any] = {}

        def poll() -> None:
            with world.terminal() as terminal:
                started = time.monotonic()
                answer["page"] = ok(
                    terminal.get("/v1/changes", params={"cursor": cursor, "wait": 25})
                )
                answer["waited"] = time.monotonic() - started

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.5)
        assert poller.is_alive(), "the poll returned before there was news"
        with world.terminal() as terminal:
            results = ok(
                terminal.post(
                    "/v1/push",
                    json={
                        "items": [
                            item("purchase_stamps", 1, purchase(rid, "book-10", 10, 450)),
                            item("purchase_stamps", 2, purchase(rid, "book-10", 10, 450)),
                        ]
                    },
                )
            )["results"]
        assert [r["outcome"] for r in results] == ["accepted", "rejected"]
        poller.join(35)
        kinds = [c["kind"] for c in answer["page"]["changes"]]
        assert kinds == ["ledger_entry", "debit_balance"]
        assert answer["waited"] < 20, "the poll was not woken; it ran out its wait"
    finally:
        server.stop()


def test_a_contacts_state_reason_reaches_1_8_terminals_and_is_left_out_for_older(
    central_server: LiveServer,
) -> None:
    world = central_server.world(residents=1)
    r = world.resident
    with world.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/contacts/{r.contact_id}/state",
                json={"state": "suspended", "reason": "Under review"},
            )
        )

    def contact_views(protocol: str | None) -> list[dict[str, Any]]:
        extra = {} if protocol is None else {"protocol": protocol}
        with world.server.client(world.credential, **extra) as terminal:
            changes, _ = pull_all(terminal)
            signed = ok(
                terminal.post(
                    "/v1/sign-in", json={"facility_number": r.facility_number, "pin": r.pin}
                )
            )
        mine = [c["data"] for c in changes if c["kind"] == "contact"]
        return [c for c in mine + signed["contacts"] if c["contact_id"] == r.contact_id]

    *fed, signed_in = contact_views(None)  # the feed's changes, then the sign-in's view
    assert fed[-1]["state_reason"] == signed_in["state_reason"] == "Under review"
    older = contact_views("1.7")  # a closed 1.7 model would refuse the whole change
    assert older and all("state_reason" not in c for c in older)
    with world.staff() as staff:  # approving clears it
        ok(staff.post(f"/v1/staff/contacts/{r.contact_id}/state", json={"state": "approved"}))
    assert contact_views(None)[-1]["state_reason"] is None
