"""No item of a push batch touches another's effect, and a device can ask what became of a key."""

from __future__ import annotations

from typing import Any

from sync.protocol import FateResponse
from tests.server.live import World, item, key, ok, purchase


def _audit(seq: int, hash_char: str, resident_id: str) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": "2026-11-23T08:00:00.000000Z",
        "resident_id": resident_id,
        "action": "sign_in",
        "details": {},
        "prev_hash": "0" * 64,
        "hash": hash_char * 64,
    }


def _push(world: World, items: list[dict[str, Any]], protocol: str | None = None) -> Any:
    token = world.devices[0][1]
    client = (
        world.server.client(token) if protocol is None else world.server.client(token, protocol)
    )
    with client:
        return ok(client.post("/v1/push", json={"items": items}))["results"]


def _fate(world: World, keys: list[str], index: int = 0) -> list[dict[str, Any]]:
    with world.terminal(index) as terminal:
        answer = ok(terminal.post("/v1/push/fate", json={"idempotency_keys": keys}))
    FateResponse.model_validate(answer)
    fates: list[dict[str, Any]] = answer["fates"]
    return fates


def test_an_audit_item_whose_seq_the_server_has_is_refused_alone_and_the_purchase_beside_it_applies(
    world: World,
) -> None:
    rid = world.resident.resident_id
    [first] = _push(world, [item("audit", 1, _audit(7, "a", rid))])
    assert first["outcome"] == "accepted"
    results = _push(
        world,
        [
            item("audit", 2, _audit(7, "b", rid)),  # seq 7 again, another event: a conflict
            item("purchase_stamps", 3, purchase(rid, "book-10", 10, 450)),
            item("audit", 4, _audit(7, "a", rid)),  # the very same event under a new key
        ],
    )
    assert [(r["outcome"], r["reason"]) for r in results] == [
        ("rejected", "audit_seq_taken"),
        ("accepted", None),
        ("accepted", None),
    ]
    assert results[0]["params"] == {"seq": 7, "hash": "b" * 64}
    assert world.server.balances(rid) == (15, 550)


def test_a_terminal_before_minor_2_gets_the_new_reason_as_invalid_payload(world: World) -> None:
    rid = world.resident.resident_id
    _push(world, [item("audit", 1, _audit(3, "a", rid))])
    [result] = _push(world, [item("audit", 2, _audit(3, "c", rid))], protocol="1.1")
    assert (result["outcome"], result["reason"]) == ("rejected", "invalid_payload")
    assert result["params"]["errors"][0]["type"] == "audit_seq_taken"


def test_fate_gives_the_stored_answer_of_a_key_and_unknown_for_one_never_pushed(
    world: World,
) -> None:
    rid = world.resident.resident_id
    bought = item("purchase_stamps", 1, purchase(rid, "book-10", 10, 450))
    refused = item("purchase_stamps", 2, purchase(rid, "nope"))
    answers = _push(world, [bought, refused])
    never = key()
    fates = _fate(world, [bought["idempotency_key"], never, refused["idempotency_key"]])
    assert [f["fate"] for f in fates] == ["stored", "unknown", "stored"]
    assert [f["idempotency_key"] for f in fates] == [
        bought["idempotency_key"],
        never,
        refused["idempotency_key"],
    ]
    stored = fates[0]["answer"]
    assert (stored["outcome"], stored["original_outcome"]) == ("duplicate", "accepted")
    assert stored["result"] == answers[0]["result"]
    assert fates[1]["answer"] is None
    rejected = fates[2]["answer"]
    assert (rejected["original_outcome"], rejected["reason"]) == ("rejected", "unknown_product")
    assert world.server.balances(rid) == (15, 550)  # asking changed nothing


def test_fate_of_another_devices_key_is_unknown(world: World) -> None:
    rid = world.resident.resident_id
    two = world.server.world(residents=0, devices=1)
    bought = item("purchase_stamps", 1, purchase(rid))
    _push(world, [bought])
    with two.terminal() as other:
        answer = ok(
            other.post("/v1/push/fate", json={"idempotency_keys": [bought["idempotency_key"]]})
        )
    assert answer == {
        "fates": [{"idempotency_key": bought["idempotency_key"], "fate": "unknown", "answer": None}]
    }
    assert _fate(world, [bought["idempotency_key"]])[0]["fate"] == "stored"


def test_fate_refuses_a_malformed_request(world: World) -> None:
    with world.terminal() as terminal:
        for body in ({"idempotency_keys": []}, {"idempotency_keys": ["NOT A KEY"]}, {}):
            answer = terminal.post("/v1/push/fate", json=body)
            assert answer.status_code == 422, body
        assert (
            terminal.post("/v1/push/fate", json={"idempotency_keys": [key()] * 201}).status_code
            == 422
        )


def test_staff_see_a_devices_refusals_that_are_not_its_residents_doing(world: World) -> None:
    """A terminal sending what does not validate, items without the resident's proof, or a
    sequence gone back: counted per device and reason in the staff device view (a
    resident's own refusal, not enough stamps, is his to see and is not counted)."""
    r = world.resident
    device_id = world.devices[0][0]
    broken = {"resident_id": r.resident_id, "message_id": "m-1"}  # read_at missing
    with world.terminal() as proved, world.terminal(prove=False) as unproved:
        ok(
            proved.post(
                "/v1/push",
                json={
                    "items": [
                        item("mark_read", 1, broken),
                        item("purchase_stamps", 2, purchase(r.resident_id, "book-25", 25, 99_999)),
                    ]
                },
            )
        )
        ok(
            unproved.post(
                "/v1/push", json={"items": [item("purchase_stamps", 3, purchase(r.resident_id))]}
            )
        )
        regressed = proved.post(
            "/v1/push", json={"items": [item("purchase_stamps", 2, purchase(r.resident_id))]}
        )
    assert regressed.json()["error"]["code"] == "sequence_regressed"
    with world.staff() as staff:
        [view] = [d for d in ok(staff.get("/v1/staff/devices")) if d["device_id"] == device_id]
    counts = {x["reason"]: x["count"] for x in view["refusals"]}
    assert counts == {"invalid_payload": 1, "resident_unproven": 1, "sequence_regressed": 1}
