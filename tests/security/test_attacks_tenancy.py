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

from tests.server.live import (
    LiveServer,
    ServerPool,
    backends,
    collection_secret,
    enroll_body,
    key,
    ok,
    pull_all,
)


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
                    "idempotency_key": key(),
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
                    "idempotency_key": key(),
                    "resident_id": victim.resident.resident_id,
                    "family_id": attacker.family_id,
                    "display_name": "A friend",
                },
            )
        )
        # The genuine path: a second contact between the facility's own resident and family.
        created = ok(
            staff.post(
                "/v1/staff/contacts",
                json={
                    "idempotency_key": key(),
                    "resident_id": attacker.resident.resident_id,
                    "family_id": attacker.family_id,
                    "display_name": "Uncle",
                },
            )
        )
        assert created["state"] == "approved"
    with attacker.family() as family:
        own = {c["contact_id"] for c in ok(family.get("/v1/family/contacts"))}
        assert own == {attacker.resident.contact_id, created["contact_id"]}
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


def test_nothing_staff_create_can_collide_with_or_reveal_another_facilitys_ids(
    server: LiveServer,
) -> None:
    """Once staff chose resident, family and contact IDs in one namespace across
    facilities: naming another facility's ID answered 409, so its existence leaked."""
    victim = server.world()
    attacker = server.world(facility=server.add_facility(), unit=victim.unit)
    theirs = victim.resident
    with attacker.staff() as staff:
        # Naming the victim's IDs is not even a field any more: the server mints them.
        for path, body in [
            (
                "/v1/staff/residents",
                {
                    "resident_id": theirs.resident_id,
                    "facility_number": "1",
                    "display_name": "Copy",
                    "housing_unit": attacker.unit,
                    "pin": "1234",
                },
            ),
            ("/v1/staff/families", {"family_id": victim.family_id, "display_name": "Copy"}),
        ]:
            refused = staff.post(path, json=body)
            assert refused.status_code == 422, refused.text
            assert {tuple(e["loc"]) for e in refused.json()["error"]["params"]["errors"]} >= {
                ("body", "resident_id" if "residents" in path else "family_id")
            }
        # The victim's facility number is free in the attacker's facility: numbers are
        # each facility's own, and a new resident there gets an ID of his own.
        made = ok(
            staff.post(
                "/v1/staff/residents",
                json={
                    "facility_number": theirs.facility_number,
                    "display_name": "Same number",
                    "housing_unit": attacker.unit,
                    "pin": "4321",
                },
            )
        )
        assert made["resident_id"] not in (theirs.resident_id, attacker.resident.resident_id)
        # Within its own facility a number is taken once; the 409 names only its own.
        taken = staff.post(
            "/v1/staff/residents",
            json={
                "facility_number": theirs.facility_number,
                "display_name": "Again",
                "housing_unit": attacker.unit,
                "pin": "4321",
            },
        )
        assert taken.status_code == 409, taken.text
        assert taken.json()["error"]["params"] == {
            "facility_number": theirs.facility_number,
            "resident_id": made["resident_id"],
        }
    # Each facility's resident with that number signs in on his own facility's device only.
    with attacker.terminal() as terminal:
        signed = terminal.post(
            "/v1/sign-in", json={"facility_number": theirs.facility_number, "pin": "4321"}
        )
        assert ok(signed)["resident"]["resident_id"] == made["resident_id"]
    with victim.terminal() as terminal:
        signed = terminal.post(
            "/v1/sign-in", json={"facility_number": theirs.facility_number, "pin": theirs.pin}
        )
        assert ok(signed)["resident"]["resident_id"] == theirs.resident_id


def test_a_retried_family_or_contact_creation_makes_one_and_the_first_token_dies(
    server: LiveServer,
) -> None:
    world = server.world()
    with world.staff() as staff:
        family = {"idempotency_key": key(), "display_name": "Garcia family"}
        first = ok(staff.post("/v1/staff/families", json=family))
        again = ok(staff.post("/v1/staff/families", json=family))  # the answer was lost
        assert again["family_id"] == first["family_id"]
        assert again["token"] != first["token"]
        contact = {
            "idempotency_key": key(),
            "resident_id": world.resident.resident_id,
            "family_id": first["family_id"],
            "display_name": "Garcia",
        }
        made = ok(staff.post("/v1/staff/contacts", json=contact))
        assert ok(staff.post("/v1/staff/contacts", json=contact)) == made
        reused = staff.post("/v1/staff/contacts", json=contact | {"display_name": "Other"})
        assert reused.status_code == 409
        assert reused.json()["error"]["code"] == "idempotency_key_reused"
    with server.family(first["token"]) as stale:
        assert stale.get("/v1/family/contacts").status_code == 401
    with server.family(again["token"]) as family:
        assert [c["contact_id"] for c in ok(family.get("/v1/family/contacts"))] == [
            made["contact_id"]
        ]


def test_enrolling_another_facilitys_device_id_answers_as_a_taken_id_of_ones_own(
    server: LiveServer,
) -> None:
    """Device IDs are the terminals' (random); the answer to one held by another
    facility must not tell that facility apart from one's own."""
    victim = server.world()
    attacker = server.world(facility=server.add_facility())
    assert attacker.facility is not None
    their_device, our_device = victim.devices[0][0], attacker.devices[0][0]
    with server.client() as client:
        theirs = client.post(
            "/v1/enroll",
            json=enroll_body(
                their_device, "ATTACK-0001", collection_secret(), attacker.facility.facility_id
            ),
        )
        ours = client.post(
            "/v1/enroll",
            json=enroll_body(
                our_device, "ATTACK-0001", collection_secret(), attacker.facility.facility_id
            ),
        )
    assert theirs.status_code == ours.status_code == 409
    assert theirs.json() == ours.json()
    with victim.terminal() as terminal:  # the victim's device is untouched
        assert _resident_ids(pull_all(terminal)[0]) >= {victim.resident.resident_id}
