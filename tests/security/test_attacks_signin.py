"""Attacks on resident sign-in, mounted over HTTP against the real server (issue #11, part 3).

A resident at a kiosk of another unit guesses a neighbour's PIN to lock him out, or
to get in; a device sprays one PIN across many residents. Each test mounts the
attack and fails if it works, and checks that the genuine resident still gets in.

The module has servers of its own (one per backend) whose first throttle delay is a
minute and whose clock the tests move past each Retry-After: nothing races the real
clock. The per-device and per-resident limits are lowered so that an attack takes a
few requests, not dozens; the rules are the production ones (``sync.server.signin``).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.server.live import LiveServer, World, ok
from tests.server.own import server_of_its_own

THROTTLE_BASE_S = 60
RESIDENT_PIN_CAP = 8  # the policy locks a number on one device at 5
DEVICE_FREE = 6
DEVICE_FLAG = 12


_server, server = server_of_its_own(
    "server",
    KITE_CENTRAL_THROTTLE_BASE_S=str(THROTTLE_BASE_S),
    KITE_CENTRAL_RESIDENT_PIN_CAP=str(RESIDENT_PIN_CAP),
    KITE_CENTRAL_DEVICE_FREE_PIN_FAILURES=str(DEVICE_FREE),
    KITE_CENTRAL_DEVICE_FLAG_PIN_FAILURES=str(DEVICE_FLAG),
)


def _sign_in(world: World, number: str, pin: str, index: int = 0) -> httpx.Response:
    with world.terminal(index) as terminal:
        return terminal.post("/v1/sign-in", json={"facility_number": number, "pin": pin})


def _guess(world: World, number: str, pin: str, index: int = 0) -> httpx.Response:
    """One attempt, first moving the server's clock past any throttle it answers."""
    answer = _sign_in(world, number, pin, index)
    while answer.status_code == 429:
        assert answer.json()["error"]["code"] == "throttled"
        world.server.advance_clock(int(answer.headers["Retry-After"]))
        answer = _sign_in(world, number, pin, index)
    return answer


def _shape(answer: httpx.Response) -> tuple[int, dict[str, Any]]:
    """What an answer tells the device, less the lock's timestamp (the clock moves on)."""
    error = dict(answer.json()["error"])
    error["params"] = {k: v for k, v in error["params"].items() if k != "until"}
    return answer.status_code, error


def test_another_units_kiosk_cannot_lock_a_resident_out_of_his_own(server: LiveServer) -> None:
    """The issue's attack: five wrong PINs from unit A's kiosk for unit B's resident."""
    attacker, victim = server.world(devices=2), server.world()
    target = victim.resident
    foreign = [_guess(attacker, target.facility_number, "0000", 0) for _ in range(6)]
    assert [a.status_code for a in foreign] == [401] * 4 + [423, 423]
    # Even the right PIN from the foreign kiosk gets nowhere.
    assert _guess(attacker, target.facility_number, target.pin, 0).status_code == 423
    # The same unit's answers for a number nobody has (on its second device, so that
    # each starts from the same counts) are the same: the attack reveals nothing.
    unknown = [_guess(attacker, "987654321", "0000", 1) for _ in range(6)]
    assert [_shape(a) for a in foreign] == [_shape(a) for a in unknown]
    # The resident, on his own unit's kiosk, at once: not locked, not throttled.
    answer = ok(_sign_in(victim, target.facility_number, target.pin))
    assert answer["resident"]["resident_id"] == target.resident_id
    server.restart()  # and nothing of the attack waits for him after a restart either
    assert _sign_in(victim, target.facility_number, target.pin).status_code == 200


def test_a_lock_on_one_device_does_not_lock_the_resident_on_another(server: LiveServer) -> None:
    world = server.world(devices=2)
    resident = world.resident
    codes = [_guess(world, resident.facility_number, "0000", 0).status_code for _ in range(5)]
    assert codes == [401] * 4 + [423]
    assert _guess(world, resident.facility_number, resident.pin, 0).status_code == 423
    assert _sign_in(world, resident.facility_number, resident.pin, 1).status_code == 200


def test_guesses_spread_over_the_units_devices_hit_the_residents_cap(server: LiveServer) -> None:
    """Hopping from kiosk to kiosk in the unit buys no more than the cap's guesses."""
    world = server.world(devices=3)
    resident = world.resident
    number = resident.facility_number
    first = [_guess(world, number, "0000", 0).status_code for _ in range(5)]
    assert first == [401] * 4 + [423]  # device 0's own lock
    second = [_guess(world, number, "0000", 1).status_code for _ in range(3)]
    assert second == [401, 401, 423]  # the 8th guess in the unit: the cap
    assert _guess(world, number, resident.pin, 2).status_code == 423  # locked everywhere
    world.server.advance_clock(15 * 60)  # the policy's lockout time
    assert _sign_in(world, number, resident.pin, 2).status_code == 200


def test_a_device_spraying_one_pin_across_residents_is_slowed_then_flagged(
    server: LiveServer,
) -> None:
    """The issue's other attack: one device tried PIN 1234 against 40 residents."""
    world = server.world(residents=DEVICE_FLAG + 2, devices=2)
    sprayer, _ = world.devices[0]
    targets = [r.facility_number for r in world.residents]
    for number in targets[:DEVICE_FREE]:
        assert _sign_in(world, number, "9999", 0).status_code == 401
    # One wrong PIN each, yet the device is now slowed: a fresh number must wait too.
    slowed = _sign_in(world, targets[DEVICE_FREE], "9999", 0)
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) >= 1
    with world.staff() as staff:
        listed = {d["device_id"]: d for d in ok(staff.get("/v1/staff/devices"))}
    assert listed[sprayer]["pin_guessing_since"] is None  # slowed, not yet reported
    for number in targets[DEVICE_FREE:DEVICE_FLAG]:
        assert _guess(world, number, "9999", 0).status_code == 401
    with world.staff() as staff:
        listed = {d["device_id"]: d for d in ok(staff.get("/v1/staff/devices"))}
        assert listed[sprayer]["pin_guessing_since"] is not None  # reported to staff
        assert listed[sprayer]["pin_failures_recent"] >= DEVICE_FLAG
        assert listed[world.devices[1][0]]["pin_guessing_since"] is None
        # The genuine path: the unit's other kiosk signs its residents in at once...
        last = world.residents[-1]
        assert _sign_in(world, last.facility_number, last.pin, 1).status_code == 200
        # ...and staff who looked into the sprayer clear its flag.
        cleared = ok(staff.post(f"/v1/staff/devices/{sprayer}/clear-pin-flag"))
        assert cleared["pin_guessing_since"] is None


def test_a_right_pin_between_guesses_does_not_reset_the_devices_count(
    server: LiveServer,
) -> None:
    """An attacker who knows his own PIN cannot launder a spray by signing in himself."""
    world = server.world(residents=DEVICE_FREE + 1)
    own = world.residents[0]
    for number in [r.facility_number for r in world.residents[1:]]:
        assert _guess(world, number, "9999").status_code == 401
        assert _guess(world, own.facility_number, own.pin).status_code == 200
    assert _sign_in(world, own.facility_number, "9999").status_code == 429
