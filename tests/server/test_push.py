"""Push: per-item answers, the ledger rules behind them, and permanent deduplication."""

from __future__ import annotations

from typing import Any

from tests.server.live import LiveServer, World, item, key, message, ok, pull_all, purchase


def _push(world: World, items: list[dict[str, Any]], index: int = 0) -> Any:
    with world.terminal(index) as terminal:
        return terminal.post("/v1/push", json={"items": items})


def _results(world: World, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return ok(_push(world, items))["results"]


def test_purchase_debits_the_account_and_credits_stamps(world: World) -> None:
    rid = world.resident.resident_id
    [result] = _results(world, [item("purchase_stamps", 1, purchase(rid, "book-10", 10, 450))])
    assert result["outcome"] == "accepted"
    [entry] = result["result"]["ledger"]
    assert (entry["kind"], entry["stamps"], entry["cents"]) == ("purchase", 10, -450)
    assert result["result"]["debit"]["cents"] == 550
    assert world.server.balances(rid) == (15, 550)


def test_purchase_beyond_the_balance_is_refused_and_nothing_moves(world: World) -> None:
    rid = world.resident.resident_id
    items = [item("purchase_stamps", s, purchase(rid, "book-10", 10, 450)) for s in (1, 2, 3)]
    outcomes = [(r["outcome"], r["reason"]) for r in _results(world, items)]
    assert outcomes == [("accepted", None), ("accepted", None), ("rejected", "insufficient_funds")]
    assert world.server.balances(rid) == (25, 100)


def test_purchase_at_a_stale_price_is_refused_with_the_current_one(world: World) -> None:
    [result] = _results(
        world,
        [item("purchase_stamps", 1, purchase(world.resident.resident_id, "book-10", 10, 400))],
    )
    assert result["reason"] == "price_changed"
    assert result["params"] == {"stamps": 10, "price_cents": 450}
    [unknown] = _results(
        world, [item("purchase_stamps", 2, purchase(world.resident.resident_id, "nope"))]
    )
    assert unknown["reason"] == "unknown_product"


def test_duplicate_key_gets_the_original_answer_and_charges_once(world: World) -> None:
    rid = world.resident.resident_id
    once = item("purchase_stamps", 1, purchase(rid))
    first = _results(world, [once])[0]
    again = _results(world, [once])[0]
    assert again["outcome"] == "duplicate"
    assert again["original_outcome"] == "accepted"
    assert again["result"] == first["result"]
    assert world.server.balances(rid) == (6, 950)


def test_same_key_with_a_different_payload_is_refused(world: World) -> None:
    rid = world.resident.resident_id
    k = key()
    _results(world, [item("purchase_stamps", 1, purchase(rid), idempotency_key=k)])
    [reused] = _results(
        world, [item("purchase_stamps", 1, purchase(rid, "book-10", 10, 450), idempotency_key=k)]
    )
    assert (reused["outcome"], reused["reason"]) == ("rejected", "idempotency_key_reused")
    assert world.server.balances(rid) == (6, 950)


def test_a_rejected_item_stays_rejected_when_sent_again(world: World) -> None:
    rid = world.resident.resident_id
    too_dear = item("purchase_stamps", 1, purchase(rid, "book-10", 10, 450))
    _results(world, [item("purchase_stamps", 1, purchase(rid, "book-10", 10, 450))])
    too_dear["seq"] = 2
    _results(world, [too_dear, item("purchase_stamps", 3, purchase(rid, "book-10", 10, 450))])
    assert world.server.balances(rid) == (25, 100)
    [replayed] = _results(world, [too_dear])
    assert world.server.balances(rid) == (25, 100)
    assert replayed["outcome"] == "duplicate" and replayed["original_outcome"] == "accepted"


def test_message_paid_with_stamps_spends_them_and_enters_review(world: World) -> None:
    r = world.resident
    [result] = _results(world, [item("send_message", 1, message(r.resident_id, r.contact_id))])
    assert result["outcome"] == "accepted"
    assert result["result"]["status"] == "pending_review"
    assert [e["stamps"] for e in result["result"]["ledger"]] == [-1]
    assert world.server.balances(r.resident_id) == (4, 1000)
    with world.server.staff() as staff:
        queue = ok(staff.get("/v1/staff/review", params={"resident_id": r.resident_id}))
    assert [m["message_id"] for m in queue] == [result["result"]["message_id"]]


def test_message_without_enough_stamps_is_refused(central_server: LiveServer) -> None:
    world = central_server.world()
    r = world.resident
    [result] = _results(world, [item("send_message", 1, message(r.resident_id, r.contact_id))])
    assert (result["reason"], result["params"]) == ("insufficient_stamps", {"needed": 1, "have": 0})


def test_message_to_a_contact_not_approved_or_blocked_is_refused(world: World) -> None:
    r = world.resident
    with world.server.staff() as staff:
        ok(staff.post(f"/v1/staff/contacts/{r.contact_id}/state", json={"state": "suspended"}))
        [suspended] = _results(
            world, [item("send_message", 1, message(r.resident_id, r.contact_id))]
        )
        ok(staff.post(f"/v1/staff/contacts/{r.contact_id}/state", json={"state": "approved"}))
    [blocking] = _results(
        world,
        [
            item(
                "set_contact_blocked",
                2,
                {"resident_id": r.resident_id, "contact_id": r.contact_id, "blocked": True},
            )
        ],
    )
    [blocked] = _results(world, [item("send_message", 3, message(r.resident_id, r.contact_id))])
    assert suspended["reason"] == "contact_not_approved"
    assert blocking["outcome"] == "accepted"
    assert blocked["reason"] == "contact_blocked"
    assert world.server.balances(r.resident_id) == (5, 1000)


def test_restricted_resident_cannot_send_until_the_restriction_ends(world: World) -> None:
    r = world.resident
    with world.server.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/residents/{r.resident_id}/restriction",
                json={"until": "2099-01-01T00:00:00Z", "reason": "hold"},
            )
        )
        [refused] = _results(world, [item("send_message", 1, message(r.resident_id, r.contact_id))])
        ok(staff.post(f"/v1/staff/residents/{r.resident_id}/restriction", json={"until": None}))
    [sent] = _results(world, [item("send_message", 2, message(r.resident_id, r.contact_id))])
    assert refused["reason"] == "restricted"
    assert refused["params"]["until"].startswith("2099-01-01")
    assert sent["outcome"] == "accepted"


def test_cod_message_costs_the_resident_nothing(world: World) -> None:
    r = world.resident
    [result] = _results(
        world, [item("send_message", 1, message(r.resident_id, r.contact_id, "cod"))]
    )
    assert result["outcome"] == "accepted" and result["result"]["ledger"] == []
    assert world.server.balances(r.resident_id) == (5, 1000)


def test_invalid_item_is_rejected_alone_and_the_rest_of_the_batch_applies(world: World) -> None:
    rid = world.resident.resident_id
    broken = purchase(rid)
    broken["quantity"] = "1"  # a string: strict models never coerce
    results = _results(
        world, [item("purchase_stamps", 1, broken), item("purchase_stamps", 2, purchase(rid))]
    )
    assert results[0]["reason"] == "invalid_payload"
    assert results[0]["params"]["errors"][0]["loc"] == ["quantity"]
    assert results[1]["outcome"] == "accepted"


def test_items_for_a_resident_of_another_unit_are_refused(central_server: LiveServer) -> None:
    here, there = central_server.world(), central_server.world(debit_cents=500)
    rid = there.resident.resident_id
    [result] = _results(here, [item("purchase_stamps", 1, purchase(rid))])
    assert (result["reason"], result["params"]) == ("resident_unproven", {"why": "missing"})
    assert central_server.balances(rid) == (0, 500)


def test_batch_out_of_seq_order_is_refused_whole(world: World) -> None:
    rid = world.resident.resident_id
    answer = _push(
        world,
        [item("purchase_stamps", 2, purchase(rid)), item("purchase_stamps", 1, purchase(rid))],
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "batch_out_of_order"
    assert world.server.balances(rid) == (5, 1000)


def test_new_items_numbered_below_done_work_are_refused_and_nothing_changes(world: World) -> None:
    rid = world.resident.resident_id
    _results(world, [item("purchase_stamps", 10, purchase(rid))])
    late = _push(
        world,
        [item("purchase_stamps", 4, purchase(rid)), item("purchase_stamps", 11, purchase(rid))],
    )
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "sequence_regressed"
    assert late.json()["error"]["params"] == {"seq": 4, "last_seq": 10}
    assert world.server.balances(rid) == (6, 950)


def test_replayed_batch_is_answered_from_the_record(world: World) -> None:
    rid = world.resident.resident_id
    batch = [item("purchase_stamps", s, purchase(rid)) for s in (1, 2, 3)]
    _results(world, batch)
    replay = _results(world, batch)
    assert [r["outcome"] for r in replay] == ["duplicate"] * 3
    assert world.server.balances(rid) == (8, 850)


def test_mark_read_hide_and_audit_items_are_accepted(world: World) -> None:
    r = world.resident
    with world.family() as family:
        sent = ok(
            family.post(
                "/v1/family/messages",
                json={"idempotency_key": key(), "contact_id": r.contact_id, "body": "hi"},
            )
        )
    with world.server.staff() as staff:
        ok(staff.post(f"/v1/staff/review/{sent['message_id']}", json={"decision": "approve"}))
    audit = {
        "seq": 1,
        "at": "2026-11-23T08:00:00.000000Z",
        "resident_id": r.resident_id,
        "action": "sign_in",
        "details": {},
        "prev_hash": "0" * 64,
        "hash": "a" * 64,
    }
    results = _results(
        world,
        [
            item(
                "mark_read",
                1,
                {
                    "resident_id": r.resident_id,
                    "message_id": sent["message_id"],
                    "read_at": "2026-11-23T08:00:00Z",
                },
            ),
            item(
                "hide_message", 2, {"resident_id": r.resident_id, "message_id": sent["message_id"]}
            ),
            item("audit", 3, audit),
            item(
                "mark_read",
                4,
                {
                    "resident_id": r.resident_id,
                    "message_id": "msg_nope",
                    "read_at": "2026-11-23T08:00:00Z",
                },
            ),
        ],
    )
    assert [(x["outcome"], x["reason"]) for x in results] == [
        ("accepted", None),
        ("accepted", None),
        ("accepted", None),
        ("rejected", "unknown_message"),
    ]


def test_message_sent_twice_is_queued_for_review_and_paid_once(world: World) -> None:
    r = world.resident
    once = item("send_message", 1, message(r.resident_id, r.contact_id, body="Only once"))
    first = _results(world, [once])[0]
    again = _results(world, [once])[0]
    assert again["outcome"] == "duplicate"
    assert again["result"]["message_id"] == first["result"]["message_id"]
    assert world.server.balances(r.resident_id) == (4, 1000)
    with world.server.staff() as staff:
        queue = ok(staff.get("/v1/staff/review", params={"resident_id": r.resident_id}))
    assert [m["body"] for m in queue] == ["Only once"]


def test_a_refused_item_mid_batch_leaves_the_items_around_it_applied_once(world: World) -> None:
    r = world.resident
    book = purchase(r.resident_id, "book-10", 10, 450)
    items = [
        item("purchase_stamps", 1, book),
        item("purchase_stamps", 2, {**book, "client_id": key()}),
        item("purchase_stamps", 3, {**book, "client_id": key()}),
        item("send_message", 4, message(r.resident_id, r.contact_id)),
    ]
    outcomes = [(x["outcome"], x["reason"]) for x in _results(world, items)]
    assert outcomes == [
        ("accepted", None),
        ("accepted", None),
        ("rejected", "insufficient_funds"),
        ("accepted", None),
    ]
    assert world.server.balances(r.resident_id) == (5 + 20 - 1, 100)
    again = _results(world, items)
    assert [(x["outcome"], x["original_outcome"]) for x in again] == [
        ("duplicate", "accepted"),
        ("duplicate", "accepted"),
        ("duplicate", "rejected"),
        ("duplicate", "accepted"),
    ]
    assert world.server.balances(r.resident_id) == (24, 100)


def test_the_same_key_twice_in_one_batch_is_applied_once(world: World) -> None:
    rid = world.resident.resident_id
    once = item("purchase_stamps", 1, purchase(rid))
    twice = {**once, "seq": 2}
    first, second = _results(world, [once, twice])
    assert first["outcome"] == "accepted"
    assert (second["outcome"], second["original_outcome"]) == ("duplicate", "accepted")
    assert world.server.balances(rid) == (6, 950)


def test_messages_beyond_the_stamps_are_refused_mid_batch_and_the_rest_apply(
    world: World,
) -> None:
    # Sends in a batch share one balance check after another: the sixth finds none left,
    # the purchase after it refills, the last send spends from that.
    r = world.resident
    sends = [item("send_message", s, message(r.resident_id, r.contact_id)) for s in range(1, 7)]
    refill = item("purchase_stamps", 7, purchase(r.resident_id, "book-10", 10, 450))
    last = item("send_message", 8, message(r.resident_id, r.contact_id))
    results = _results(world, [*sends, refill, last])
    assert [(x["outcome"], x["reason"]) for x in results] == [
        *[("accepted", None)] * 5,
        ("rejected", "insufficient_stamps"),
        ("accepted", None),
        ("accepted", None),
    ]
    assert results[5]["params"] == {"needed": 1, "have": 0}
    assert world.server.balances(r.resident_id) == (5 - 5 + 10 - 1, 550)
    with world.terminal() as terminal:
        changes, _ = pull_all(terminal)
    statuses = [c for c in changes if c["kind"] == "message_status"]
    assert len(statuses) == 6  # the refused one never entered review
    spends = [c for c in changes if c["kind"] == "ledger_entry" and c["data"]["kind"] == "spend"]
    assert len(spends) == 6


def test_the_devices_mark_survives_revocation_and_enrollment_again(world: World) -> None:
    # No new epoch: the mark belongs to the device ID, not to its credential. A
    # terminal that starts lower learns the mark from the refusal and jumps past it.
    rid = world.resident.resident_id
    device_id = world.devices[0][0]
    _results(world, [item("purchase_stamps", 10, purchase(rid))])
    with world.staff() as staff:
        ok(staff.post(f"/v1/staff/devices/{device_id}/revoke"))
    _same, credential = world.server.enroll_device([world.unit], device_id=device_id)
    with world.server.client(credential) as terminal:
        late = terminal.post(
            "/v1/push", json={"items": [item("purchase_stamps", 1, purchase(rid))]}
        )
        assert late.status_code == 409
        assert late.json()["error"]["params"] == {"seq": 1, "last_seq": 10}
        [result] = ok(
            terminal.post("/v1/push", json={"items": [item("purchase_stamps", 11, purchase(rid))]})
        )["results"]
    assert result["outcome"] == "accepted"
