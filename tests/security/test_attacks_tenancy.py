"""Attacks across facilities, mounted over HTTP against the real server (issue #11, part 4).

The attacker is the staff of one facility (a valid staff token, scoped to it) who
names another facility's objects: its families, residents, units, devices,
messages. Every such action must be refused with the same ``not_found`` a made-up
ID gets, and change nothing; the same action on the attacker's own objects must
still work. Each test builds a world in the demo facility (the victim) and one in a
second facility of its own (``LiveServer.add_facility``), on every backend.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server.live import LiveServer, ServerPool, backends, key, ok, pull_all


@pytest.fixture(params=backends())
def server(live_servers: ServerPool, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    with live_servers.get(str(request.param)).watched() as watched:
        yield watched


def _not_found(answer: httpx.Response) -> None:
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "not_found"


def _resident_ids(changes: list[dict[str, object]]) -> set[object]:
    return {c["data"]["resident_id"] for c in changes if c["kind"] == "resident"}  # type: ignore[index]


def test_staff_cannot_bind_a_contact_to_another_facilitys_family(server: LiveServer) -> None:
    """The issue's attack: a stranger's contact on a family, who then saw his COD message."""
    victim = server.world()
    attacker = server.world(facility=server.add_facility())
    with attacker.staff() as staff:
        _not_found(
            staff.post(
                "/v1/staff/contacts",
                json={
                    "contact_id": server.unique("con"),
                    "resident_id": attacker.resident.resident_id,
                    "family_id": victim.family_id,
                    "display_name": "Your cousin",
                    "accepts_cod": True,
                },
            )
        )
        _not_found(  # nor the other way round: a victim resident on the attacker's family
            staff.post(
                "/v1/staff/contacts",
                json={
                    "contact_id": server.unique("con"),
                    "resident_id": victim.resident.resident_id,
                    "family_id": attacker.family_id,
                    "display_name": "A friend",
                },
            )
        )
        # The genuine path: a second contact between the facility's own resident and family.
        own = server.unique("con")
        created = ok(
            staff.post(
                "/v1/staff/contacts",
                json={
                    "contact_id": own,
                    "resident_id": attacker.resident.resident_id,
                    "family_id": attacker.family_id,
                    "display_name": "Uncle",
                },
            )
        )
        assert created["contact_id"] == own
    with victim.family() as family:
        contacts = ok(family.get("/v1/family/contacts"))
        assert [c["contact_id"] for c in contacts] == [victim.resident.contact_id]
        # Nor can the attacker's family pay into the victim's contact.
        with attacker.family() as stranger:
            _not_found(
                stranger.post(
                    "/v1/family/transfers",
                    json={
                        "idempotency_key": key(),
                        "contact_id": victim.resident.contact_id,
                        "stamps": 1,
                    },
                )
            )


def test_housing_unit_ids_are_each_facilitys_own(server: LiveServer) -> None:
    """Two facilities with a unit of the same ID: neither's devices see the other's."""
    victim = server.world()
    # Once a 409 here told the attacker the ID existed elsewhere; now the unit is its own.
    attacker = server.world(facility=server.add_facility(), unit=victim.unit)
    with attacker.terminal() as terminal:
        seen = _resident_ids(pull_all(terminal)[0])
        assert victim.resident.resident_id not in seen
        assert attacker.resident.resident_id in seen
        # The victim's resident cannot sign in on the attacker's device of "his" unit...
        answer = terminal.post(
            "/v1/sign-in",
            json={"facility_number": victim.resident.facility_number, "pin": victim.resident.pin},
        )
        assert answer.status_code == 401
        # ...and the attacker's own resident can.
        own = attacker.resident
        signed = terminal.post(
            "/v1/sign-in", json={"facility_number": own.facility_number, "pin": own.pin}
        )
        assert ok(signed)["resident"]["resident_id"] == own.resident_id
    with victim.terminal() as terminal:
        seen = _resident_ids(pull_all(terminal)[0])
        assert attacker.resident.resident_id not in seen
        assert victim.resident.resident_id in seen


def test_staff_actions_on_another_facilitys_objects_are_not_found(server: LiveServer) -> None:
    victim = server.world(debit_cents=500)
    attacker = server.world(facility=server.add_facility())
    theirs, ours = victim.resident.resident_id, attacker.resident.resident_id
    their_device, our_device = victim.devices[0][0], attacker.devices[0][0]
    with victim.family() as family:
        sent = ok(
            family.post(
                "/v1/family/messages",
                json={
                    "idempotency_key": key(),
                    "contact_id": victim.resident.contact_id,
                    "body": "Hi",
                },
            )
        )
    with attacker.staff() as staff:
        for path, body in [
            (f"/v1/staff/residents/{theirs}/deposit", {"idempotency_key": key(), "cents": 1}),
            (f"/v1/staff/residents/{theirs}/restriction", {"until": None}),
            (f"/v1/staff/residents/{theirs}/housing-unit", {"housing_unit": attacker.unit}),
            (f"/v1/staff/residents/{ours}/housing-unit", {"housing_unit": victim.unit}),
            (f"/v1/staff/contacts/{victim.resident.contact_id}/state", {"state": "suspended"}),
            (f"/v1/staff/review/{sent['message_id']}", {"decision": "approve"}),
            (
                f"/v1/staff/devices/{their_device}/approve",
                {
                    "housing_units": [attacker.unit],
                    "one_time_code": server.enroll_codes[their_device],
                },
            ),
        ]:
            _not_found(staff.post(path, json=body))
        for action in ("revoke", "wipe", "clear-pin-flag"):
            _not_found(staff.post(f"/v1/staff/devices/{their_device}/{action}"))
        assert ok(staff.get("/v1/staff/review", params={"resident_id": theirs})) == []
        assert theirs not in {r["resident_id"] for r in ok(staff.get("/v1/staff/residents"))}
        assert their_device not in {d["device_id"] for d in ok(staff.get("/v1/staff/devices"))}
        # Approving its own device for a unit only the other facility has: unknown.
        refused = staff.post(
            f"/v1/staff/devices/{our_device}/approve",
            json={"housing_units": [victim.unit], "one_time_code": server.enroll_codes[our_device]},
        )
        assert refused.status_code == 422
        # The genuine path: the same actions on the facility's own objects.
        ok(
            staff.post(
                f"/v1/staff/residents/{ours}/deposit", json={"idempotency_key": key(), "cents": 1}
            )
        )
        ok(staff.post(f"/v1/staff/residents/{ours}/restriction", json={"until": None}))
        ok(
            staff.post(
                f"/v1/staff/contacts/{attacker.resident.contact_id}/state",
                json={"state": "approved"},
            )
        )
    # Nothing of the victim's changed: balance, contact, message, device.
    with victim.staff() as staff:
        row = next(r for r in ok(staff.get("/v1/staff/residents")) if r["resident_id"] == theirs)
        assert (row["debit_cents"], row["housing_unit"]) == (500, victim.unit)
        queue = ok(staff.get("/v1/staff/review", params={"resident_id": theirs}))
        assert [m["message_id"] for m in queue] == [sent["message_id"]]
        ok(staff.post(f"/v1/staff/review/{sent['message_id']}", json={"decision": "approve"}))
    with victim.terminal() as terminal:
        contacts = [c["data"] for c in pull_all(terminal)[0] if c["kind"] == "contact"]
        assert {c["state"] for c in contacts if c["contact_id"] == victim.resident.contact_id} == {
            "approved"
        }
