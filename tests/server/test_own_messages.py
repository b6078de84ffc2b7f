"""A resident's own correspondence follows them to every device of their unit.

Over real HTTP against the reference server; where a terminal must hold what it
pulled, the pages go through ``kiosk.feed`` into a real SQLite store, and the
figures it reconciles with are the terminal's own (``sync.reconcile.local_counts``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text

from kiosk import feed
from kiosk.clock import utcnow
from kiosk.store.database import Store
from kiosk.store.models import Direction, Message, OutboundStatus, Resident
from sync.protocol import ChangesPage, ReconcileResponse
from sync.reconcile import local_counts
from tests.server.live import LiveServer, World, item, key, ok, pull_all
from tests.server.live import message as reply


def _pull_into(store: Store, terminal: httpx.Client, cursor: str = "0") -> str:
    """Pull every page as a terminal does: validate it whole, apply it through kiosk.feed."""
    while True:
        raw = terminal.get("/v1/changes", params={"cursor": cursor, "limit": 200})
        page = ChangesPage.model_validate_json(ok(raw) and raw.content)
        changes = [
            {"cursor": c.cursor, "kind": c.kind, "data": c.data.model_dump()} for c in page.changes
        ]
        if changes:
            feed.apply_page(store, changes, page.next_cursor, utcnow())
        cursor = page.next_cursor
        if not page.has_more:
            return cursor


def _reconcile(terminal: httpx.Client, counts: list[dict[str, Any]]) -> ReconcileResponse:
    raw = terminal.post("/v1/reconcile", json={"residents": counts})
    return ReconcileResponse.model_validate_json(ok(raw) and raw.content)


def _family_message(world: World, body: str = "Write back soon") -> str:
    with world.family() as family:
        sent = ok(
            family.post(
                "/v1/family/messages",
                json={
                    "idempotency_key": key(),
                    "contact_id": world.resident.contact_id,
                    "body": body,
                },
            )
        )["message_id"]
    with world.server.staff() as staff:
        ok(staff.post(f"/v1/staff/review/{sent}", json={"decision": "approve"}))
    return str(sent)


def _push(terminal: httpx.Client, *items: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = ok(terminal.post("/v1/push", json={"items": list(items)}))[
        "results"
    ]
    assert [r["outcome"] for r in results] == ["accepted"] * len(items), results
    return results


def test_reply_written_on_one_kiosk_reaches_the_units_other_kiosks_whole(
    central_server: LiveServer,
) -> None:
    world = central_server.world(stamps=3, devices=2)
    r = world.resident
    written = reply(r.resident_id, r.contact_id, body="Thanks for the photos")
    with world.terminal(0) as kiosk_a:
        [result] = _push(kiosk_a, item("send_message", 1, written))
    server_id = result["result"]["message_id"]
    with world.terminal(1) as kiosk_b:
        changes, cursor = pull_all(kiosk_b)
    [whole] = [c["data"] for c in changes if c["kind"] == "outbound_message"]
    assert whole == {
        "message_id": server_id,
        "client_id": written["client_id"],
        "resident_id": r.resident_id,
        "contact_id": r.contact_id,
        "body": "Thanks for the photos",
        "payment": "stamps",
        "stamps": 1,
        "in_reply_to": None,
        "written_at": written["written_at"],  # the terminal's own time, not the server's (1.6)
        "status": "pending_review",
        "reason": None,
        "timeline": [{"status": "pending_review", "at": written["written_at"], "reason": None}],
        "hidden": False,
    }
    with world.server.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/review/{server_id}",
                json={"decision": "reject", "reason": "names another resident"},
            )
        )
    with world.terminal(1) as kiosk_b:
        later, _ = pull_all(kiosk_b, cursor)
        [status] = [c["data"] for c in later if c["kind"] == "message_status"]
        assert (status["client_id"], status["status"], status["reason"]) == (
            written["client_id"],
            "rejected",
            "names another resident",
        )
        # A terminal that lost everything gets the message whole from reconcile too.
        answer = _reconcile(
            kiosk_b,
            [{"resident_id": r.resident_id, "stamps": 0, "debit_cents": 0, "messages": 0}],
        )
    [snapshot] = answer.snapshots
    [outbound] = snapshot.outbound
    assert (outbound.body, outbound.status, outbound.reason) == (
        "Thanks for the photos",
        "rejected",
        "names another resident",
    )
    assert [s.status for s in outbound.timeline] == ["pending_review", "rejected"]


def test_seeded_world_pulled_whole_reconciles_without_a_mismatch(
    central_server: LiveServer, store: Store
) -> None:
    _, credential = central_server.enroll_device(list(central_server.seed.units))
    with central_server.client(credential) as terminal:
        _pull_into(store, terminal)
        _pull_into(store, terminal)  # everything again from the start: nothing doubles
        answer = _reconcile(terminal, local_counts(store))
    assert answer.mismatches == []
    assert answer.snapshots == []
    seeded = central_server.seed.messages
    with store.read() as db:
        outbound = {
            m.server_id: m.status
            for m in db.scalars(select(Message).where(Message.direction == Direction.OUTBOUND))
        }
    assert outbound == {
        seeded["outbound_pending_review"]: OutboundStatus.PENDING_REVIEW,
        seeded["outbound_delivered"]: OutboundStatus.DELIVERED,
        seeded["outbound_rejected"]: OutboundStatus.REJECTED,
        seeded["outbound_awaiting_payment"]: OutboundStatus.AWAITING_PAYMENT,
        seeded["outbound_opened"]: OutboundStatus.OPENED,
    }


def test_message_read_on_one_kiosk_shows_read_on_another(
    central_server: LiveServer, store: Store
) -> None:
    world = central_server.world(devices=2)
    r = world.resident
    inbound = _family_message(world)
    with world.terminal(1) as kiosk_b:
        cursor = _pull_into(store, kiosk_b)
    read_at = "2026-11-23T09:15:00Z"
    with world.terminal(0) as kiosk_a:
        mark = {"resident_id": r.resident_id, "message_id": inbound, "read_at": read_at}
        _push(kiosk_a, item("mark_read", 1, mark))
    with world.terminal(1) as kiosk_b:
        _pull_into(store, kiosk_b, cursor)
        # Kiosk B reading it again later tells nobody anything new.
        again = {**mark, "read_at": "2026-11-23T10:00:00Z"}
        _push(kiosk_b, item("mark_read", 1, again))
        changes, _ = pull_all(kiosk_b)
    with store.read() as db:
        held = db.scalars(select(Message).where(Message.server_id == inbound)).one()
        assert held.read_at is not None
        assert held.read_at.replace(tzinfo=None) == datetime(2026, 11, 23, 9, 15)
    assert [c["data"]["read_at"] for c in changes if c["kind"] == "message_read"] == [read_at]


def test_moved_resident_brings_their_history_to_the_new_units_devices_by_the_feed(
    central_server: LiveServer, store: Store
) -> None:
    world = central_server.world(stamps=5, debit_cents=1000)
    r = world.resident
    inbound = _family_message(world, "How is the new job?")
    with world.terminal() as old_kiosk:
        mark = {
            "resident_id": r.resident_id,
            "message_id": inbound,
            "read_at": "2026-11-23T09:00:00Z",
        }
        written = reply(r.resident_id, r.contact_id, body="Kitchen duty, it is fine")
        _push(old_kiosk, item("mark_read", 1, mark), item("send_message", 2, written))
        _, old_cursor = pull_all(old_kiosk)
    new_unit = central_server.unique("unit")
    with central_server.staff() as staff:
        ok(staff.post("/v1/staff/housing-units", json={"unit_id": new_unit, "name": new_unit}))
        _, credential = central_server.enroll_device([new_unit])
        moved = ok(
            staff.post(
                f"/v1/staff/residents/{r.resident_id}/housing-unit",
                json={"housing_unit": new_unit},
            )
        )
    assert moved["housing_unit"] == new_unit
    with central_server.client(credential) as new_kiosk:
        _pull_into(store, new_kiosk)
        answer = _reconcile(new_kiosk, local_counts(store))
    assert answer.mismatches == []
    [counts] = local_counts(store)
    assert (counts["stamps"], counts["debit_cents"], counts["messages"]) == (4, 1000, 2)
    with store.read() as db:
        resident = db.get(Resident, r.resident_id)
        assert resident is not None and resident.housing_unit == new_unit
        messages = {m.direction: m for m in db.scalars(select(Message))}
    assert messages[Direction.INBOUND].read_at is not None
    assert messages[Direction.OUTBOUND].body == "Kitchen duty, it is fine"
    assert messages[Direction.OUTBOUND].client_id == written["client_id"]
    # The old unit's devices learn where the resident went.
    with world.terminal() as old_kiosk:
        later, _ = pull_all(old_kiosk, old_cursor)
    assert [c["data"]["housing_unit"] for c in later if c["kind"] == "resident"] == [new_unit]


def test_a_protocol_1_0_terminal_gets_only_what_it_can_read(central_server: LiveServer) -> None:
    world = central_server.world(stamps=3, devices=2)
    r = world.resident
    inbound = _family_message(world)
    with central_server.client(world.devices[0][1], protocol="1.0") as writer:
        mark = {
            "resident_id": r.resident_id,
            "message_id": inbound,
            "read_at": "2026-11-23T09:00:00Z",
        }
        _push(
            writer,
            item("send_message", 1, reply(r.resident_id, r.contact_id)),
            item("mark_read", 2, mark),
        )
        changes, _ = pull_all(writer)
        # The 1.0 writer holds the inbound message and its own reply: 2, and so says the server.
        mine = _reconcile(
            writer, [{"resident_id": r.resident_id, "stamps": 2, "debit_cents": 0, "messages": 2}]
        )
    assert {c["kind"] for c in changes} & {"outbound_message", "message_read"} == set()
    assert mine.mismatches == []
    with central_server.client(world.devices[1][1], protocol="1.0") as other:
        # The other 1.0 kiosk never learns of that reply: 1 is what it can hold.
        answer = ok(
            other.post(
                "/v1/reconcile",
                json={
                    "residents": [
                        {"resident_id": r.resident_id, "stamps": 0, "debit_cents": 0, "messages": 1}
                    ]
                },
            )
        )
    assert [m["field"] for m in answer["mismatches"]] == ["stamps"]
    [snapshot] = answer["snapshots"]
    assert "outbound" not in snapshot and "reads" not in snapshot
    ReconcileResponse.model_validate(answer)


def test_a_database_from_before_written_at_gains_the_column_and_keeps_serving(
    private_server: LiveServer,
) -> None:
    """``messages.written_at`` (1.6) is the one column added to an existing database:
    a server started on a database without it adds it, and old messages fall back to
    the time the server accepted them."""
    world = private_server.world(stamps=3, devices=2)
    r = world.resident
    older = reply(r.resident_id, r.contact_id, body="before the upgrade")
    with world.terminal(0) as kiosk_a:
        _push(kiosk_a, item("send_message", 1, older))
    private_server.stop()
    engine = create_engine(private_server.database_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE messages DROP COLUMN written_at"))
    engine.dispose()
    private_server.restart()
    newer = reply(r.resident_id, r.contact_id, body="after the upgrade")
    with world.terminal(0) as kiosk_a:
        _push(kiosk_a, item("send_message", 2, newer))
    with world.terminal(1) as kiosk_b:
        answer = _reconcile(kiosk_b, [])
        snapshot = _reconcile(
            kiosk_b, [{"resident_id": r.resident_id, "stamps": 0, "debit_cents": 0, "messages": 0}]
        ).snapshots[0]
    assert answer.snapshots == []
    written = {m.body: m.written_at for m in snapshot.outbound}
    assert written["after the upgrade"] == datetime.fromisoformat(newer["written_at"])
    assert written["before the upgrade"] != datetime.fromisoformat(older["written_at"])
