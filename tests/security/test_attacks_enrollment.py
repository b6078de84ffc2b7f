"""Attacks on enrollment (issue #11 part 1), over HTTP against the real server.

The module runs its own server (SQLite, and PostgreSQL when CI provides one) with the
production enrollment limits: every request here comes from 127.0.0.1, so the per-address
rate is the one an attacker on one machine meets. Each test starts a day and an hour
after the one before on that server's clock, so every earlier request has expired and
every rate window has passed. The attacker knows what the enrollment
screen and its QR code show (device ID, one-time code); he never sees the terminal's
collection secret. Each test also walks the genuine path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.live import LiveServer, backends, collection_secret, enroll_body, ok
from tests.server.own import server_of_its_own

PENDING_TTL_S = 24 * 3600  # the default KITE_CENTRAL_ENROLL_PENDING_MINUTES, in seconds
PRODUCTION_LIMITS = {
    "KITE_CENTRAL_ENROLL_PER_ADDRESS": "10",
    "KITE_CENTRAL_ENROLL_PENDING_CAP": "50",
}


_server, module_server = server_of_its_own("module_server", **PRODUCTION_LIMITS)


@pytest.fixture
def server(module_server: LiveServer) -> LiveServer:
    """The module's server, a day and an hour after the test before."""
    module_server.advance_clock(PENDING_TTL_S + 3600)
    return module_server


@pytest.fixture(params=backends())
def capped_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    """Only the facility cap binds (as for many attackers on many addresses)."""
    env = {**PRODUCTION_LIMITS, "KITE_CENTRAL_ENROLL_PER_ADDRESS": "1000000"}
    live = LiveServer.start(tmp_path, str(request.param), env=env)
    try:
        with live.watched():
            yield live
    finally:
        live.stop()


class Terminal:
    """A genuine terminal mid-enrollment: what it shows, and the secret it keeps."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.device_id = server.unique("dev")
        self.code = uuid.uuid4().hex[:10].upper()
        self.secret = collection_secret()

    def request(self) -> httpx.Response:
        with self.server.client() as client:
            return client.post(
                "/v1/enroll", json=enroll_body(self.device_id, self.code, self.secret)
            )

    def collect(self, secret: str | None = None) -> httpx.Response:
        body = {"device_id": self.device_id, "collection_secret": secret or self.secret}
        with self.server.client() as client:
            return client.post("/v1/enroll/collect", json=body)

    def approve(self, code: str | None = None) -> httpx.Response:
        body = {"housing_units": ["unit-a"], "one_time_code": code or self.code}
        with self.server.staff() as staff:
            return staff.post(f"/v1/staff/devices/{self.device_id}/approve", json=body)

    def listed(self) -> dict[str, object]:
        with self.server.staff() as staff:
            devices = ok(staff.get("/v1/staff/devices"))
        return next(d for d in devices if d["device_id"] == self.device_id)


def _code(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def _works(server: LiveServer, credential: str) -> bool:
    with server.client(credential) as device:
        return device.get("/v1/changes").status_code == 200


def test_a_second_request_for_the_same_device_id_cannot_take_the_enrollment_over(
    server: LiveServer,
) -> None:
    """The issue's attack: re-request the waiting terminal's ID with a code of one's own."""
    genuine = Terminal(server)
    assert ok(genuine.request())["state"] == "pending"
    attacker_secret = collection_secret()
    with server.client() as attacker:
        for code in ("ATTACKER01", genuine.code):  # his own code, or the one on the screen
            body = enroll_body(genuine.device_id, code, attacker_secret)
            body["device_name"] = "attacker"
            assert _code(attacker.post("/v1/enroll", json=body)) == (409, "enrollment_conflict")
    # Nothing was replaced: staff still see the genuine request, approve it by its code...
    assert genuine.listed()["name"] == "test terminal"
    assert genuine.listed()["state"] == "pending"
    assert _code(genuine.approve("ATTACKER01")) == (403, "code_mismatch")
    ok(genuine.approve())
    # ...the attacker cannot collect, and the genuine terminal does.
    assert _code(genuine.collect(attacker_secret)) == (401, "invalid_credentials")
    answer = ok(genuine.collect())
    assert answer["state"] == "approved" and _works(server, answer["credential"])
    assert _code(genuine.collect(attacker_secret)) == (401, "invalid_credentials")


def test_an_onlooker_with_the_device_id_and_code_cannot_collect(server: LiveServer) -> None:
    genuine = Terminal(server)
    ok(genuine.request())
    ok(genuine.approve())
    with server.client() as onlooker:
        # What the screen and QR code show is not enough: collect takes the secret only.
        shown = {"device_id": genuine.device_id, "one_time_code": genuine.code}
        assert _code(onlooker.post("/v1/enroll/collect", json=shown)) == (422, "invalid_request")
        for guess in (genuine.code * 4, collection_secret()):
            body = {"device_id": genuine.device_id, "collection_secret": guess}
            refused = onlooker.post("/v1/enroll/collect", json=body)
            assert _code(refused) == (401, "invalid_credentials")
        # Nor can he re-request the approved ID to get a secret of his own in.
        again = onlooker.post(
            "/v1/enroll", json=enroll_body(genuine.device_id, genuine.code, collection_secret())
        )
        assert _code(again) == (409, "enrollment_conflict")
    answer = ok(genuine.collect())
    assert answer["state"] == "approved" and _works(server, answer["credential"])


def test_approval_with_the_wrong_code_fails_and_changes_nothing(server: LiveServer) -> None:
    genuine = Terminal(server)
    ok(genuine.request())
    for wrong in ("WRONGCODE1", genuine.code.lower() + "X"):
        assert _code(genuine.approve(wrong)) == (403, "code_mismatch")
    with server.staff() as staff:  # and an approval without a code is not one
        no_code = staff.post(
            f"/v1/staff/devices/{genuine.device_id}/approve", json={"housing_units": ["unit-a"]}
        )
    assert _code(no_code) == (422, "invalid_request")
    assert genuine.listed()["state"] == "pending"
    assert ok(genuine.collect())["state"] == "pending"
    assert ok(genuine.approve())["state"] == "approved"
    answer = ok(genuine.collect())
    assert answer["state"] == "approved" and answer["housing_units"] == ["unit-a"]


def test_three_hundred_requests_from_one_address_are_rate_limited(server: LiveServer) -> None:
    statuses = []
    with server.client() as flood:
        for i in range(300):
            body = enroll_body(f"flood-{i}", "FLOODCODE1", collection_secret())
            statuses.append(flood.post("/v1/enroll", json=body))
    assert [a.status_code for a in statuses[:10]] == [200] * 10
    refused = statuses[10:]
    assert {_code(a) for a in refused} == {(429, "throttled")}
    waits = {int(a.headers["Retry-After"]) for a in refused}
    assert all(0 < wait <= 600 for wait in waits)
    assert all(a.json()["error"]["params"]["retry_after"] > 0 for a in refused)
    with server.staff() as staff:
        pending = ok(staff.get("/v1/staff/devices", params={"state": "pending"}))
    assert len([d for d in pending if d["device_id"].startswith("flood-")]) == 10
    # The genuine terminal, once the window has passed, asks and is approved.
    server.advance_clock(max(waits) + 1)
    genuine = Terminal(server)
    ok(genuine.request())
    ok(genuine.approve())
    assert ok(genuine.collect())["state"] == "approved"


def test_pending_requests_are_capped_per_facility_until_they_expire(
    capped_server: LiveServer,
) -> None:
    server = capped_server
    with server.client() as flood:
        answers = [
            flood.post(
                "/v1/enroll", json=enroll_body(f"cap-{i}", "CAPCODE001", collection_secret())
            )
            for i in range(300)
        ]
    assert [a.status_code for a in answers[:50]] == [200] * 50
    assert {_code(a) for a in answers[50:]} == {(429, "throttled")}
    wait = int(answers[-1].headers["Retry-After"])
    assert PENDING_TTL_S - 60 <= wait <= PENDING_TTL_S
    genuine = Terminal(server)
    assert _code(genuine.request()) == (429, "throttled")
    server.advance_clock(wait)  # the flood expires: no longer counted, no longer approvable
    assert ok(genuine.request())["state"] == "pending"
    ok(genuine.approve())
    assert ok(genuine.collect())["state"] == "approved"


def test_a_pending_request_expires_and_only_its_holder_renews_it(server: LiveServer) -> None:
    genuine = Terminal(server)
    ok(genuine.request())
    server.advance_clock(PENDING_TTL_S + 60)
    # Expired: staff can no longer approve it, even with the right code.
    assert _code(genuine.approve()) == (409, "invalid_state")
    # The holder asks again (the terminal does when it restarts): renewed, approved, collected.
    assert ok(genuine.request())["state"] == "pending"
    ok(genuine.approve())
    assert ok(genuine.collect())["state"] == "approved"


def test_an_abandoned_request_can_be_taken_only_after_it_expires(server: LiveServer) -> None:
    abandoned, newcomer_secret = Terminal(server), collection_secret()
    ok(abandoned.request())
    newcomer = enroll_body(abandoned.device_id, "NEWCODE001", newcomer_secret)
    with server.client() as client:
        assert _code(client.post("/v1/enroll", json=newcomer)) == (409, "enrollment_conflict")
        # A terminal still polling keeps its request alive.
        server.advance_clock(PENDING_TTL_S - 60)
        assert ok(abandoned.collect())["state"] == "pending"
        server.advance_clock(120)
        assert _code(client.post("/v1/enroll", json=newcomer)) == (409, "enrollment_conflict")
        server.advance_clock(PENDING_TTL_S + 60)  # now nobody asked for a day
        assert ok(client.post("/v1/enroll", json=newcomer))["state"] == "pending"
    # The old code and secret are worth nothing now; staff approve the code now shown.
    assert _code(abandoned.approve()) == (403, "code_mismatch")
    assert _code(abandoned.collect()) == (401, "invalid_credentials")
    ok(abandoned.approve("NEWCODE001"))
    assert ok(abandoned.collect(newcomer_secret))["state"] == "approved"
