"""Resident sign-in on a device: PIN checked server-side, offline verifier, throttling, lockout."""

from __future__ import annotations

import time

from argon2 import PasswordHasher

from tests.server.live import LiveServer, World, ok


def _sign_in(world: World, number: str, pin: str, index: int = 0) -> object:
    with world.terminal(index) as terminal:
        return terminal.post("/v1/sign-in", json={"facility_number": number, "pin": pin})


def test_right_pin_returns_the_resident_and_an_argon2_offline_verifier(world: World) -> None:
    resident = world.resident
    answer = ok(_sign_in(world, resident.facility_number, resident.pin))
    assert answer["resident"]["resident_id"] == resident.resident_id
    assert [c["contact_id"] for c in answer["contacts"]] == [resident.contact_id]
    verifier = answer["offline_verifier"]
    assert verifier.startswith("$argon2id$")
    assert PasswordHasher().verify(verifier, resident.pin)


def test_wrong_pin_and_unknown_id_get_the_same_answer(world: World) -> None:
    wrong = _sign_in(world, world.resident.facility_number, "0000")
    unknown = _sign_in(world, "999999999", "0000")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


def test_resident_of_another_unit_cannot_sign_in_on_this_device(central_server: LiveServer) -> None:
    here, there = central_server.world(), central_server.world()
    answer = _sign_in(here, there.resident.facility_number, there.resident.pin)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_credentials"


def test_quick_retry_after_a_wrong_pin_is_throttled_with_retry_after(world: World) -> None:
    number = world.resident.facility_number
    assert _sign_in(world, number, "0000").status_code == 401
    second = _sign_in(world, number, world.resident.pin)
    assert second.status_code == 429
    assert second.json()["error"]["code"] == "throttled"
    assert int(second.headers["Retry-After"]) >= 1


def test_policy_count_of_wrong_pins_locks_even_the_right_pin_out(world: World) -> None:
    number = world.resident.facility_number
    codes = []
    delay = 0.2
    for _ in range(5):  # the policy's lockout_attempts
        answer = _sign_in(world, number, "0000")
        while answer.status_code == 429:
            time.sleep(delay)
            answer = _sign_in(world, number, "0000")
        codes.append(answer.json()["error"]["code"])
        delay *= 2
    assert codes == ["invalid_credentials"] * 4 + ["account_locked"]
    locked = _sign_in(world, number, world.resident.pin)
    assert locked.status_code == 423
    assert locked.json()["error"]["params"]["until"]


def test_unknown_id_locks_exactly_like_a_real_one(world: World) -> None:
    codes = []
    for _ in range(5):
        answer = _sign_in(world, "123456789", "0000")
        while answer.status_code == 429:
            time.sleep(0.2)
            answer = _sign_in(world, "123456789", "0000")
        codes.append(answer.json()["error"]["code"])
    assert codes == ["invalid_credentials"] * 4 + ["account_locked"]
