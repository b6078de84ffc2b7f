"""Bad input gets a 4xx with a machine-readable code, never a 500, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from sync.protocol import MAX_REQUEST_BYTES
from tests.server.live import World, item, message, ok, purchase


def _assert_nothing_changed(world: World) -> None:
    assert world.server.balances(world.resident.resident_id) == (5, 1000)


def test_malformed_json_is_malformed_json(world: World) -> None:
    with world.terminal() as terminal:
        answer = terminal.post(
            "/v1/push", content=b'{"items": [', headers={"Content-Type": "application/json"}
        )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "malformed_json"
    _assert_nothing_changed(world)


@pytest.mark.parametrize(
    "body",
    [
        {"items": "not a list"},
        {
            "items": [
                {"idempotency_key": "0" * 32, "seq": "1", "kind": "purchase_stamps", "payload": {}}
            ]
        },
        {
            "items": [
                {"idempotency_key": "0" * 32, "seq": 1.0, "kind": "purchase_stamps", "payload": {}}
            ]
        },
        {"items": [{"idempotency_key": "0" * 32, "seq": 1, "kind": "steal_stamps", "payload": {}}]},
        {
            "items": [
                {"idempotency_key": "short", "seq": 1, "kind": "purchase_stamps", "payload": {}}
            ]
        },
        {"items": [], "extra": True},
        {"items": []},
    ],
    ids=[
        "items-not-list",
        "seq-string",
        "seq-float",
        "unknown-kind",
        "bad-key",
        "unknown-field",
        "empty-batch",
    ],
)
def test_wrong_shapes_are_invalid_request_naming_the_field(
    world: World, body: dict[str, Any]
) -> None:
    with world.terminal() as terminal:
        answer = terminal.post("/v1/push", json=body)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["params"]["errors"][0]["loc"]
    _assert_nothing_changed(world)


def test_unknown_field_inside_a_payload_rejects_that_item(world: World) -> None:
    payload = purchase(world.resident.resident_id) | {"discount": 100}
    with world.terminal() as terminal:
        [result] = ok(
            terminal.post("/v1/push", json={"items": [item("purchase_stamps", 1, payload)]})
        )["results"]
    assert result["reason"] == "invalid_payload"
    assert result["params"]["errors"][0]["type"] == "extra_forbidden"
    _assert_nothing_changed(world)


def test_negative_and_huge_amounts_are_refused(world: World) -> None:
    rid = world.resident.resident_id
    items = [
        item("purchase_stamps", 1, purchase(rid) | {"price_cents": -50}),
        item("purchase_stamps", 2, purchase(rid) | {"price_cents": 10**12}),
    ]
    with world.terminal() as terminal:
        results = ok(terminal.post("/v1/push", json={"items": items}))["results"]
    assert [r["reason"] for r in results] == ["invalid_payload", "invalid_payload"]
    _assert_nothing_changed(world)


def test_oversized_body_is_refused_before_it_is_read(world: World) -> None:
    rid = world.resident.resident_id
    huge = {
        "items": [
            item(
                "purchase_stamps", 1, purchase(rid) | {"client_id": "x" * (MAX_REQUEST_BYTES + 10)}
            )
        ]
    }
    with world.terminal() as terminal:
        answer = terminal.post("/v1/push", json=huge)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "body_too_large"
    _assert_nothing_changed(world)


def test_bad_query_parameters_are_invalid_request(world: World) -> None:
    with world.terminal() as terminal:
        for params in ({"cursor": "abc"}, {"limit": 0}, {"wait": 61}, {"limit": "lots"}):
            answer = terminal.get("/v1/changes", params=params)
            assert answer.status_code == 422, params
            assert answer.json()["error"]["code"] == "invalid_request"


def test_unknown_path_is_not_found_with_an_error_body(world: World) -> None:
    with world.terminal() as terminal:
        answer = terminal.get("/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:46+16:38",  # before year 1 once in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 once in UTC
        "20271231T080000Z",  # ISO 8601 basic format, not RFC 3339
        "2027-W52-5T08:00Z",  # a week date
        "2026-12-03 20:00:00Z",  # a space for the T
    ],
)
def test_a_time_that_is_not_rfc_3339_or_out_of_range_is_refused_alone_never_a_500(
    world: World, when: str
) -> None:
    """An item with such a time is rejected by itself (a 5xx would be retried forever and
    hold the device's queue); the purchase beside it applies; a staff endpoint says 422."""
    r = world.resident
    read = {"resident_id": r.resident_id, "message_id": "msg-none", "read_at": when}
    with world.terminal() as terminal:
        results = ok(
            terminal.post(
                "/v1/push",
                json={
                    "items": [
                        item("mark_read", 1, read),
                        item("purchase_stamps", 2, purchase(r.resident_id)),
                    ]
                },
            )
        )["results"]
    assert [x["outcome"] for x in results] == ["rejected", "accepted"]
    assert results[0]["reason"] == "invalid_payload"
    assert "RFC 3339" in results[0]["params"]["errors"][0]["msg"] or "range" in str(results[0])
    assert world.server.balances(r.resident_id) == (6, 950)
    with world.staff() as staff:
        answer = staff.post(
            f"/v1/staff/residents/{r.resident_id}/restriction",
            json={"until": when, "reason": "test"},
        )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v1/push", "POST"),
        ("GET", "/v1/push", "POST"),
        ("DELETE", "/v1/staff/residents", "GET, POST"),  # two routes share the path
        ("PATCH", "/v1/family/messages", "GET, POST"),
        ("POST", "/v1/health", "GET"),
    ],
)
def test_a_method_the_path_lacks_is_405_naming_every_method_it_has(
    world: World, method: str, path: str, allowed: str
) -> None:
    with world.terminal() as terminal:
        answer = terminal.request(method, path)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == allowed
    error = answer.json()["error"]
    assert error["code"] == "method_not_allowed"
    assert error["params"]["allowed"] == allowed.split(", ")


def test_a_query_parameter_the_operation_does_not_declare_is_invalid_request(
    world: World,
) -> None:
    with world.terminal() as terminal:
        answer = terminal.get("/v1/changes", params={"cursor": "0", "since": "yesterday"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["params"]["errors"][0]["loc"] == ["query", "since"]
    with world.staff() as staff:
        assert staff.get("/v1/staff/residents", params={"all": "1"}).status_code == 422
        assert staff.get("/v1/staff/devices", params={"state": "pending"}).status_code == 200


def test_text_holding_a_nul_is_refused_naming_where_never_a_500(world: World) -> None:
    """PostgreSQL cannot store NUL (U+0000): a staff name holding one was a 500 there.
    A request with one is 422 naming where; in a push, the item holding one is rejected
    alone and the purchase beside it applies."""
    with world.staff() as staff:
        answer = staff.post("/v1/staff/housing-units", json={"unit_id": "u-nul", "name": "A\x00B"})
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "invalid_request"
        assert error["params"]["errors"][0]["loc"] == ["body", "name"]
    r = world.resident
    reply = message(r.resident_id, r.contact_id, body="Hello\x00there")
    with world.terminal() as terminal:
        results = ok(
            terminal.post(
                "/v1/push",
                json={
                    "items": [
                        item("send_message", 1, reply),
                        item("purchase_stamps", 2, purchase(r.resident_id)),
                    ]
                },
            )
        )["results"]
    assert [x["outcome"] for x in results] == ["rejected", "accepted"]
    assert results[0]["reason"] == "invalid_payload"
    assert results[0]["params"]["errors"][0]["loc"] == ["payload", "body"]
    assert world.server.balances(r.resident_id) == (6, 950)
