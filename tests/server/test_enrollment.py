"""Device enrollment, credential collection, rotation, revocation and expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import create_engine, update

from sync.server.auth import token_hash
from sync.server.models import DeviceCredential
from tests.server.live import LiveServer, collection_secret, enroll_body, ok, pull_all


def _request(server: LiveServer, device_id: str, code: str, secret: str) -> dict[str, object]:
    with server.client() as terminal:
        return ok(terminal.post("/v1/enroll", json=enroll_body(device_id, code, secret)))


def _collect(server: LiveServer, device_id: str, secret: str) -> httpx.Response:
    with server.client() as terminal:
        return terminal.post(
            "/v1/enroll/collect", json={"device_id": device_id, "collection_secret": secret}
        )


def _approve(server: LiveServer, device_id: str, code: str) -> httpx.Response:
    with server.staff() as staff:
        return staff.post(
            f"/v1/staff/devices/{device_id}/approve",
            json={"housing_units": ["unit-a"], "one_time_code": code},
        )


def test_enrollment_stays_pending_until_staff_approve(central_server: LiveServer) -> None:
    device_id, code, secret = (
        central_server.unique("dev"),
        uuid.uuid4().hex[:10],
        collection_secret(),
    )
    assert _request(central_server, device_id, code, secret)["state"] == "pending"
    assert _request(central_server, device_id, code, secret)["state"] == "pending"  # idempotent
    collected = ok(_collect(central_server, device_id, secret))
    assert collected == {"state": "pending", "credential": None, "housing_units": []}
    with central_server.staff() as staff:
        pending = ok(staff.get("/v1/staff/devices", params={"state": "pending"}))
    assert device_id in [d["device_id"] for d in pending]


def test_approved_device_collects_its_credential_exactly_once(central_server: LiveServer) -> None:
    device_id, code, secret = (
        central_server.unique("dev"),
        uuid.uuid4().hex[:10],
        collection_secret(),
    )
    _request(central_server, device_id, code, secret)
    ok(_approve(central_server, device_id, code))
    first = ok(_collect(central_server, device_id, secret))
    again = _collect(central_server, device_id, secret)
    assert first["state"] == "approved" and first["housing_units"] == ["unit-a"]
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_collected"
    with central_server.client(first["credential"]) as device:
        assert device.get("/v1/changes").status_code == 200


def test_collect_with_a_wrong_secret_is_refused(central_server: LiveServer) -> None:
    device_id = central_server.unique("dev")
    _request(central_server, device_id, "RIGHTCODE1", collection_secret())
    answer = _collect(central_server, device_id, collection_secret())
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_credentials"


def test_the_holder_renews_with_a_new_code_and_staff_approve_that_one(
    central_server: LiveServer,
) -> None:
    device_id, secret = central_server.unique("dev"), collection_secret()
    _request(central_server, device_id, "FIRSTCODE1", secret)
    assert _request(central_server, device_id, "SECONDCODE", secret)["state"] == "pending"
    stale = _approve(central_server, device_id, "FIRSTCODE1")
    assert stale.status_code == 403 and stale.json()["error"]["code"] == "code_mismatch"
    ok(_approve(central_server, device_id, "SECONDCODE"))
    assert ok(_collect(central_server, device_id, secret))["state"] == "approved"


def test_a_revoked_device_enrolls_again_with_a_new_request(central_server: LiveServer) -> None:
    device_id, _ = central_server.enroll_device(["unit-a"])
    with central_server.staff() as staff:
        ok(staff.post(f"/v1/staff/devices/{device_id}/revoke"))
    # kite-admin enroll --force: a new code and a new secret for the same device ID.
    code, secret = uuid.uuid4().hex[:10], collection_secret()
    assert _request(central_server, device_id, code, secret)["state"] == "pending"
    ok(_approve(central_server, device_id, code))
    assert ok(_collect(central_server, device_id, secret))["state"] == "approved"


def test_a_device_enrolled_again_never_reads_the_commands_of_its_earlier_enrollment(
    central_server: LiveServer,
) -> None:
    device_id, _ = central_server.enroll_device(["unit-a"])
    with central_server.staff() as staff:
        ok(staff.post(f"/v1/staff/devices/{device_id}/wipe"))
        ok(staff.post(f"/v1/staff/devices/{device_id}/revoke"))
    _, credential = central_server.enroll_device(["unit-a"], device_id=device_id)
    with central_server.client(credential) as device:
        changes, cursor = pull_all(device)
        # The revoke that ended the earlier enrollment would wipe and un-enroll this one.
        assert [c for c in changes if c["kind"] == "device_command"] == []
        with central_server.staff() as staff:
            ok(staff.post(f"/v1/staff/devices/{device_id}/wipe"))
        later, _ = pull_all(device, cursor)
    assert [c["data"]["command"] for c in later if c["kind"] == "device_command"] == ["wipe"]


def test_credentials_are_stored_only_as_hashes(central_server: LiveServer) -> None:
    device_id, credential = central_server.enroll_device(["unit-a"])
    engine = create_engine(central_server.database_url)
    try:
        with engine.connect() as conn:
            stored = [
                row.token_hash
                for row in conn.execute(
                    DeviceCredential.__table__.select().where(
                        DeviceCredential.device_id == device_id
                    )
                )
            ]
    finally:
        engine.dispose()
    assert stored == [token_hash(credential)]
    assert credential not in stored


def test_rotated_credential_replaces_the_old_one_once_used(central_server: LiveServer) -> None:
    _, old = central_server.enroll_device(["unit-a"])
    with central_server.client(old) as device:
        new = ok(device.post("/v1/device/rotate"))["credential"]
        # The answer might have been lost: until the new one is used, the old one still works.
        assert device.get("/v1/changes").status_code == 200
    with central_server.client(new) as device:
        assert device.get("/v1/changes").status_code == 200
    with central_server.client(old) as device:
        refused = device.get("/v1/changes")
    # Within the grace after its rotation the old one is refused without suspending the
    # device (tests/security/test_attacks_credentials.py: after it, reuse suspends).
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "credential_rotated"
    with central_server.client(new) as device:
        assert device.get("/v1/changes").status_code == 200


def test_revoked_device_is_told_so_on_every_call_and_at_collect(central_server: LiveServer) -> None:
    device_id, credential = central_server.enroll_device(["unit-a"])
    with central_server.staff() as staff:
        assert ok(staff.post(f"/v1/staff/devices/{device_id}/revoke"))["state"] == "revoked"
    with central_server.client(credential) as device:
        for answer in (device.get("/v1/changes"), device.post("/v1/push", json={"items": []})):
            assert answer.status_code == 403
            assert answer.json()["error"]["code"] == "device_revoked"


def test_expired_credential_gets_credential_expired(central_server: LiveServer) -> None:
    device_id, credential = central_server.enroll_device(["unit-a"])
    engine = create_engine(central_server.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(DeviceCredential)
                .where(DeviceCredential.device_id == device_id)
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
    finally:
        engine.dispose()
    with central_server.client(credential) as device:
        answer = device.get("/v1/changes")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "credential_expired"


def test_every_terminal_endpoint_needs_a_credential(central_server: LiveServer) -> None:
    with central_server.client() as anonymous:
        answers = [
            anonymous.get("/v1/changes"),
            anonymous.post("/v1/push", json={"items": []}),
            anonymous.post("/v1/sign-in", json={"facility_number": "1001", "pin": "1234"}),
            anonymous.post("/v1/reconcile", json={"residents": []}),
            anonymous.post("/v1/device/rotate"),
            anonymous.get("/v1/policy"),
        ]
    with central_server.client("kd1_not-a-real-credential-at-all") as forged:
        answers.append(forged.get("/v1/changes"))
    for answer in answers:
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] == "unauthenticated"
