"""Review in both directions, refunds by policy, and the families' side (send, transfer, COD)."""

from __future__ import annotations

import base64
from typing import Any

from tests.server.live import LiveServer, World, item, key, message, ok, pull_all


def _send(world: World, payload: dict[str, Any], seq: int = 1) -> dict[str, Any]:
    with world.terminal() as terminal:
        [result] = ok(
            terminal.post("/v1/push", json={"items": [item("send_message", seq, payload)]})
        )["results"]
    assert result["outcome"] == "accepted", result
    return result


def _decide(server: LiveServer, message_id: str, decision: str, reason: str | None = None) -> Any:
    with server.staff() as staff:
        return staff.post(
            f"/v1/staff/review/{message_id}", json={"decision": decision, "reason": reason}
        )


def _statuses(world: World) -> list[tuple[str, str | None]]:
    with world.terminal() as terminal:
        changes, _ = pull_all(terminal)
    return [
        (c["data"]["status"], c["data"]["reason"]) for c in changes if c["kind"] == "message_status"
    ]


def test_approved_reply_is_delivered_and_the_family_can_read_it(world: World) -> None:
    r = world.resident
    sent = _send(world, message(r.resident_id, r.contact_id, body="Doing fine"))
    ok(_decide(world.server, sent["result"]["message_id"], "approve"))
    assert _statuses(world) == [("pending_review", None), ("delivered", None)]
    with world.family() as family:
        inbox = ok(family.get("/v1/family/messages"))
    assert [(m["direction"], m["body"]) for m in inbox] == [("outbound", "Doing fine")]


def test_rejected_reply_refunds_stamp_when_policy_refunds(world: World) -> None:
    r = world.resident
    sent = _send(world, message(r.resident_id, r.contact_id))
    assert world.server.balances(r.resident_id) == (4, 1000)
    ok(_decide(world.server, sent["result"]["message_id"], "reject", "mentions another resident"))
    assert world.server.balances(r.resident_id) == (5, 1000)
    assert _statuses(world)[-1] == ("rejected", "mentions another resident")
    with world.family() as family:
        assert ok(family.get("/v1/family/messages")) == []  # a rejected reply never reaches them


def test_rejection_needs_a_reason_and_a_message_is_decided_once(world: World) -> None:
    r = world.resident
    mid = _send(world, message(r.resident_id, r.contact_id))["result"]["message_id"]
    no_reason = _decide(world.server, mid, "reject")
    assert no_reason.status_code == 422
    ok(_decide(world.server, mid, "approve"))
    twice = _decide(world.server, mid, "reject", "too late")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "invalid_state"


def test_cod_reply_waits_for_payment_and_opens_once_when_paid(world: World) -> None:
    r = world.resident
    mid = _send(world, message(r.resident_id, r.contact_id, "cod", body="Collect call"))["result"][
        "message_id"
    ]
    ok(_decide(world.server, mid, "approve"))
    with world.family() as family:
        [waiting] = ok(family.get("/v1/family/messages"))
        assert waiting["status"] == "awaiting_payment" and waiting["body"] is None
        pay = {"idempotency_key": key()}
        opened = ok(family.post(f"/v1/family/messages/{mid}/open", json=pay))
        again = ok(family.post(f"/v1/family/messages/{mid}/open", json=pay))
        other_key = family.post(f"/v1/family/messages/{mid}/open", json={"idempotency_key": key()})
    assert opened == again
    assert opened["body"] == "Collect call" and opened["charged_cents"] == 99
    assert other_key.status_code == 409  # already open: nothing more to pay
    assert _statuses(world)[-1][0] == "opened"
    assert world.server.balances(r.resident_id) == (5, 1000)  # the resident paid nothing


def test_family_transfer_adds_stamps_with_a_ledger_entry(world: World) -> None:
    r = world.resident
    transfer = {"idempotency_key": key(), "contact_id": r.contact_id, "stamps": 3}
    with world.family() as family:
        first = ok(family.post("/v1/family/transfers", json=transfer))
        ok(family.post("/v1/family/transfers", json=transfer))  # a retry
    assert world.server.balances(r.resident_id) == (8, 1000)
    with world.terminal() as terminal:
        changes, _ = pull_all(terminal)
    entries = [
        c["data"]
        for c in changes
        if c["kind"] == "ledger_entry" and c["data"]["kind"] == "transfer_in"
    ]
    assert [e["stamps"] for e in entries] == [5, 3]
    assert entries[-1]["entry_id"] == first["entry_id"]


def test_return_stamp_pays_one_reply_and_photos_reach_only_this_unit(
    central_server: LiveServer,
) -> None:
    world, elsewhere = central_server.world(), central_server.world()
    r = world.resident
    photo = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()
    with world.family() as family:
        sent = ok(
            family.post(
                "/v1/family/messages",
                json={
                    "idempotency_key": key(),
                    "contact_id": r.contact_id,
                    "body": "Write back, it's paid",
                    "return_stamp": True,
                    "photos": [
                        {"caption": "the dog", "content_type": "image/png", "data_base64": photo}
                    ],
                },
            )
        )
    ok(_decide(central_server, sent["message_id"], "approve"))
    with world.terminal() as terminal:
        changes, _ = pull_all(terminal)
        [inbound] = [c["data"] for c in changes if c["kind"] == "message"]
        assert inbound["has_return_stamp"] is True
        [media] = inbound["media"]
        assert media["caption"] == "the dog"
        fetched = terminal.get(f"/v1/media/{media['id']}")
        assert fetched.status_code == 200 and fetched.content == base64.b64decode(photo)
    with elsewhere.terminal() as stranger:
        assert stranger.get(f"/v1/media/{media['id']}").status_code == 404
    reply = message(r.resident_id, r.contact_id, "return_stamp", in_reply_to=sent["message_id"])
    assert _send(world, reply)["result"]["ledger"] == []
    second = message(r.resident_id, r.contact_id, "return_stamp", in_reply_to=sent["message_id"])
    with world.terminal() as terminal:
        [refused] = ok(
            terminal.post("/v1/push", json={"items": [item("send_message", 2, second)]})
        )["results"]
    assert refused["reason"] == "return_stamp_unavailable"


def test_family_cannot_write_to_someone_elses_contact(central_server: LiveServer) -> None:
    mine, theirs = central_server.world(), central_server.world()
    with mine.family() as family:
        answer = family.post(
            "/v1/family/messages",
            json={"idempotency_key": key(), "contact_id": theirs.resident.contact_id, "body": "hi"},
        )
    assert answer.status_code == 404


def test_staff_can_narrow_the_review_queue_to_one_resident(central_server: LiveServer) -> None:
    mine, theirs = central_server.world(stamps=2), central_server.world(stamps=2)
    sent = [
        _send(w, message(w.resident.resident_id, w.resident.contact_id, body=f"to {n}"), seq=s)
        for n, w in (("mine", mine), ("theirs", theirs))
        for s in (1, 2)
    ]
    with central_server.staff() as staff:
        narrowed = ok(
            staff.get("/v1/staff/review", params={"resident_id": mine.resident.resident_id})
        )
    assert [m["body"] for m in narrowed] == ["to mine", "to mine"]
    assert [m["message_id"] for m in narrowed] == [r["result"]["message_id"] for r in sent[:2]]
    for m in narrowed:
        assert _decide(central_server, m["message_id"], "approve").status_code == 200
    with central_server.staff() as staff:
        theirs_left = ok(
            staff.get("/v1/staff/review", params={"resident_id": theirs.resident.resident_id})
        )
        mine_left = ok(
            staff.get("/v1/staff/review", params={"resident_id": mine.resident.resident_id})
        )
    assert [m["body"] for m in theirs_left] == ["to theirs", "to theirs"]
    assert mine_left == []


def _family_message(world: World, body: str) -> str:
    with world.family() as family:
        sent = ok(
            family.post(
                "/v1/family/messages",
                json={
                    "idempotency_key": key(),
                    "contact_id": world.resident.contact_id,
                    "body": body,
                    "return_stamp": True,
                },
            )
        )
    assert sent["charged_cents"] == 45  # the cheapest stamp on sale: 10 for 450 cents
    return str(sent["message_id"])


def _charges(world: World) -> list[tuple[str, int, str]]:
    with world.family() as family:
        return [
            (c["kind"], c["cents"], c["reference"]) for c in ok(family.get("/v1/family/charges"))
        ]


def test_a_rejected_message_refunds_the_familys_return_stamp_once(world: World) -> None:
    """Once the family paid for a return stamp that never reached the resident."""
    before = len(_charges(world))  # the stamps the world was given
    kept, refused = _family_message(world, "See you Sunday"), _family_message(world, "Call Joe")
    ok(_decide(world.server, kept, "approve"))
    ok(_decide(world.server, refused, "reject", "names another resident"))
    assert _decide(world.server, refused, "reject", "again").status_code == 409
    assert _charges(world)[before:] == [
        ("return_stamp", 45, kept),
        ("return_stamp", 45, refused),
        ("refund", -45, refused),
    ]
    with world.family() as family:
        inbox = {
            m["message_id"]: (m["status"], m["reason"])
            for m in ok(family.get("/v1/family/messages"))
        }
    assert inbox[refused] == ("rejected", "names another resident")


def test_no_refund_to_the_family_where_the_policy_refunds_no_rejection(
    central_server: LiveServer,
) -> None:
    from sync.server.seed import demo_policy

    facility = central_server.add_facility()
    world = central_server.world(facility=facility)
    document = demo_policy().model_dump(mode="json") | {
        "facility_id": facility.facility_id,
        "refund_on_reject": False,
    }
    with world.staff() as staff:
        ok(staff.put("/v1/staff/policy", json=document))
    refused = _family_message(world, "Call Joe")
    with world.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/review/{refused}",
                json={"decision": "reject", "reason": "names another resident"},
            )
        )
    assert _charges(world) == [("return_stamp", 45, refused)]


def test_every_charge_to_a_family_is_listed_with_what_it_paid_for(world: World) -> None:
    r = world.resident
    before = len(_charges(world))
    with world.family() as family:
        transfer_key = key()
        ok(
            family.post(
                "/v1/family/transfers",
                json={"idempotency_key": transfer_key, "contact_id": r.contact_id, "stamps": 2},
            )
        )
    cod = _send(world, message(r.resident_id, r.contact_id, "cod", body="Collect call"))
    ok(_decide(world.server, cod["result"]["message_id"], "approve"))
    with world.family() as family:
        [waiting] = [
            m for m in ok(family.get("/v1/family/messages")) if m["direction"] == "outbound"
        ]
        ok(
            family.post(
                f"/v1/family/messages/{waiting['message_id']}/open", json={"idempotency_key": key()}
            )
        )
    assert _charges(world)[before:] == [
        ("transfer", 90, transfer_key),
        ("cod_open", waiting["cod_price_cents"], waiting["message_id"]),
    ]
