"""Facility policy: staff change it, every device of the facility pulls it, the server enforces it.

These tests change the facility-wide policy, so they run on a server of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sync.server.seed import demo_policy
from tests.server.live import LiveServer, World, item, key, message, ok, pull_all
from tests.server.own import server_of_its_own

_server, central_server = server_of_its_own("central_server")


@pytest.fixture
def set_policy(central_server: LiveServer) -> Iterator[Any]:
    def change(**fields: Any) -> None:
        document = demo_policy().model_dump(mode="json") | fields
        with central_server.staff() as staff:
            ok(staff.put("/v1/staff/policy", json=document))

    yield change
    change()  # back to the demo policy for the next test


def _send(world: World, seq: int, **kwargs: Any) -> dict[str, Any]:
    r = world.resident
    with world.terminal() as terminal:
        payload = message(r.resident_id, r.contact_id, **kwargs)
        return ok(terminal.post("/v1/push", json={"items": [item("send_message", seq, payload)]}))[
            "results"
        ][0]


def test_changed_policy_reaches_devices_through_the_feed(world: World, set_policy: Any) -> None:
    set_policy(stamps_per_message=2, lockout_attempts=3)
    with world.terminal() as terminal:
        changes, _ = pull_all(terminal)
        current = ok(terminal.get("/v1/policy"))
    latest = [c["data"] for c in changes if c["kind"] == "policy"][-1]
    assert latest["stamps_per_message"] == 2 and latest["lockout_attempts"] == 3
    assert current == latest
    assert _send(world, 1)["params"] == {"stamps": 2}  # a stale price is refused


def test_rejected_reply_keeps_the_stamp_when_policy_does_not_refund(
    world: World, set_policy: Any
) -> None:
    set_policy(refund_on_reject=False)
    sent = _send(world, 1)
    with world.server.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/review/{sent['result']['message_id']}",
                json={"decision": "reject", "reason": "no"},
            )
        )
    assert world.server.balances(world.resident.resident_id) == (4, 1000)


def test_lockdown_suspends_sending_with_the_facilitys_reason(world: World, set_policy: Any) -> None:
    set_policy(messaging_suspended=True, suspended_reason="facility lockdown")
    refused = _send(world, 1)
    assert (refused["reason"], refused["params"]) == (
        "messaging_suspended",
        {"reason": "facility lockdown"},
    )


def test_message_over_the_facility_length_limit_is_refused(world: World, set_policy: Any) -> None:
    set_policy(max_message_chars=10)
    refused = _send(world, 1, body="x" * 11)
    assert (refused["reason"], refused["params"]) == ("too_long", {"max_chars": 10, "chars": 11})


def test_cod_refused_when_the_facility_disallows_it(world: World, set_policy: Any) -> None:
    set_policy(cod_allowed=False)
    assert _send(world, 1, payment="cod")["reason"] == "cod_not_allowed"


def test_staff_cannot_set_another_facilitys_policy(central_server: LiveServer) -> None:
    document = demo_policy().model_dump(mode="json") | {"facility_id": "elsewhere"}
    with central_server.staff() as staff:
        answer = staff.put("/v1/staff/policy", json=document)
    assert answer.status_code == 403


def test_retention_reaches_a_1_7_terminal_and_is_left_out_for_an_older_one(
    world: World, set_policy: Any
) -> None:
    set_policy(retention_days=90)
    with world.server.client(world.credential) as terminal:
        changes, _ = pull_all(terminal)
        assert ok(terminal.get("/v1/policy"))["retention_days"] == 90
    assert [c["data"] for c in changes if c["kind"] == "policy"][-1]["retention_days"] == 90
    with world.server.client(world.credential, protocol="1.6") as older:
        changes, _ = pull_all(older)
        current = ok(older.get("/v1/policy"))
    policies = [c["data"] for c in changes if c["kind"] == "policy"]
    # A closed 1.6 model refuses an unknown field: the whole document would be refused.
    assert policies and all("retention_days" not in p for p in policies)
    assert "retention_days" not in current and current["stamps_per_message"] == 1


def test_the_cod_price_is_the_policys_for_families_and_1_8_terminals(
    world: World, set_policy: Any
) -> None:
    """Once the price to open a COD reply was a server setting no terminal could show."""
    set_policy(cod_price_cents=150)
    r = world.resident
    with world.server.client(world.credential) as terminal:
        assert ok(terminal.get("/v1/policy"))["cod_price_cents"] == 150
        changes, _ = pull_all(terminal)
    assert [c["data"] for c in changes if c["kind"] == "policy"][-1]["cod_price_cents"] == 150
    with world.server.client(world.credential, protocol="1.7") as older:
        assert "cod_price_cents" not in ok(older.get("/v1/policy"))
    sent = _send(world, 1, payment="cod")
    assert sent["outcome"] == "accepted", sent
    with world.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/review/{sent['result']['message_id']}", json={"decision": "approve"}
            )
        )
    with world.family() as family:
        [waiting] = [
            m for m in ok(family.get("/v1/family/messages")) if m["contact_id"] == r.contact_id
        ]
        assert waiting["cod_price_cents"] == 150
        opened = ok(
            family.post(
                f"/v1/family/messages/{waiting['message_id']}/open", json={"idempotency_key": key()}
            )
        )
    assert opened["charged_cents"] == 150
