"""Resident sign-in on a device: PIN checked server-side, offline verifier, throttling, lockout.

The module has a server of its own whose first throttle delay is a minute, far longer than
any gap between two requests of a test, and whose clock the throttle tests move forward
past each Retry-After: nothing here races the real clock.
"""

from __future__ import annotations

import httpx
from argon2 import PasswordHasher

from tests.server.live import LiveServer, World, ok
from tests.server.own import server_of_its_own

THROTTLE_BASE_S = 60


_server, central_server = server_of_its_own(
    "central_server", KITE_CENTRAL_THROTTLE_BASE_S=str(THROTTLE_BASE_S)
)


def _sign_in(world: World, number: str, pin: str, index: int = 0) -> httpx.Response:
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
    assert 1 <= int(second.headers["Retry-After"]) <= THROTTLE_BASE_S
    world.server.advance_clock(THROTTLE_BASE_S)
    assert _sign_in(world, number, world.resident.pin).status_code == 200  # the wait is over


def _guess_through_throttle(world: World, number: str, pin: str) -> httpx.Response:
    """One sign-in attempt, first moving the server's clock past any throttle it answers."""
    answer = _sign_in(world, number, pin)
    while answer.status_code == 429:
        world.server.advance_clock(int(answer.headers["Retry-After"]))
        answer = _sign_in(world, number, pin)
    return answer


def _code(answer: httpx.Response) -> str:
    return str(answer.json()["error"]["code"])


def test_each_wrong_pin_doubles_the_wait_before_the_next_attempt(world: World) -> None:
    number = world.resident.facility_number
    waits = []
    for _ in range(3):
        assert _sign_in(world, number, "0000").status_code == 401
        throttled = _sign_in(world, number, "0000")
        assert throttled.status_code == 429
        waits.append(int(throttled.headers["Retry-After"]))
        world.server.advance_clock(waits[-1])
    # Seconds left of 1, 2 and 4 minutes, however long the requests themselves took.
    assert [round(wait / THROTTLE_BASE_S) for wait in waits] == [1, 2, 4]
    assert all(wait <= THROTTLE_BASE_S * 2**n for n, wait in enumerate(waits))


def test_policy_count_of_wrong_pins_locks_even_the_right_pin_out(world: World) -> None:
    number = world.resident.facility_number
    codes = [_code(_guess_through_throttle(world, number, "0000")) for _ in range(5)]
    assert codes == ["invalid_credentials"] * 4 + ["account_locked"]  # the policy's 5 attempts
    locked = _guess_through_throttle(world, number, world.resident.pin)
    assert locked.status_code == 423
    assert locked.json()["error"]["params"]["until"]


def test_unknown_id_locks_exactly_like_a_real_one(world: World) -> None:
    number = "123456789"
    codes = [_code(_guess_through_throttle(world, number, "0000")) for _ in range(5)]
    assert codes == ["invalid_credentials"] * 4 + ["account_locked"]
