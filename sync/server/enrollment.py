"""Device enrollment, approval, credential collection, rotation, revocation and wipe.

A terminal asks with its device ID and a one-time code (shown to IT as a QR
code); staff approve it for some housing units; the terminal then collects its
credential exactly once (asking again gets ``already_collected``: staff must
approve again). Codes and credentials are stored only as SHA-256 digests.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.protocol import CollectRequest, DeviceCommandData, EnrollRequest, EnrollResponse
from sync.server.auth import DeviceIdentity, new_token, token_hash
from sync.server.clock import utcnow
from sync.server.errors import ApiError, not_found
from sync.server.feed import device_audience, publish
from sync.server.models import Device, DeviceCredential, Facility, HousingUnit


def request_enrollment(session: Session, request: EnrollRequest) -> EnrollResponse:
    """Idempotent: asking again with the same code changes nothing."""
    if session.get(Facility, request.facility_id) is None:
        raise not_found("facility")
    code = token_hash(request.one_time_code)
    device = session.get(Device, request.device_id)
    if device is None:
        session.add(
            Device(
                id=request.device_id,
                facility_id=request.facility_id,
                name=request.device_name,
                state="pending",
                code_hash=code,
                housing_units={"ids": []},
                requested_at=utcnow(),
            )
        )
        return EnrollResponse(state="pending")
    if hmac.compare_digest(device.code_hash, code):
        return _state(device)
    if device.state == "approved":
        raise ApiError(
            409, "enrollment_conflict", "this device ID is enrolled already; revoke it first"
        )
    # A pending or revoked device asking with a new code (a re-imaged terminal):
    # start over; staff approve it again.
    device.code_hash = code
    device.state = "pending"
    device.collected = False
    device.name = request.device_name
    device.facility_id = request.facility_id
    device.requested_at = utcnow()
    return EnrollResponse(state="pending")


def _state(device: Device) -> EnrollResponse:
    if device.state == "revoked":
        return EnrollResponse(state="revoked")
    if device.state == "approved" and device.collected:
        raise ApiError(409, "already_collected", "the credential was collected already")
    return EnrollResponse(state="pending")


def collect(session: Session, request: CollectRequest, credential_days: int) -> EnrollResponse:
    device = session.get(Device, request.device_id)
    if device is None or not hmac.compare_digest(
        device.code_hash, token_hash(request.one_time_code)
    ):
        raise ApiError(401, "invalid_credentials", "unknown device ID or one-time code")
    if device.state != "approved" or device.collected:
        return _state(device)
    credential = new_token("kd1")
    now = utcnow()
    session.add(
        DeviceCredential(
            token_hash=token_hash(credential),
            device_id=device.id,
            state="active",
            issued_at=now,
            expires_at=now + timedelta(days=credential_days),
        )
    )
    device.collected = True
    return EnrollResponse(
        state="approved", credential=credential, housing_units=device.housing_units["ids"]
    )


def approve(session: Session, device_id: str, housing_units: list[str]) -> Device:
    """Staff approve a device for these housing units (of its facility)."""
    device = session.get(Device, device_id)
    if device is None:
        raise not_found("device")
    known = set(
        session.execute(
            select(HousingUnit.id).where(
                HousingUnit.facility_id == device.facility_id, HousingUnit.id.in_(housing_units)
            )
        ).scalars()
    )
    missing = sorted(set(housing_units) - known)
    if missing or not housing_units:
        raise ApiError(422, "invalid_request", "unknown housing units", housing_units=missing)
    device.state = "approved"
    device.collected = False
    device.housing_units = {"ids": sorted(known)}
    device.approved_at = utcnow()
    # Retire what it had: the collected credential is the only valid one.
    session.execute(
        update(DeviceCredential)
        .where(DeviceCredential.device_id == device.id)
        .values(state="retired")
    )
    return device


def revoke(session: Session, device_id: str) -> None:
    device = session.get(Device, device_id)
    if device is None:
        raise not_found("device")
    device.state = "revoked"
    session.execute(
        update(DeviceCredential)
        .where(DeviceCredential.device_id == device.id)
        .values(state="retired")
    )
    publish(
        session, device_audience(device.id), "device_command", DeviceCommandData(command="revoke")
    )


def wipe(session: Session, device_id: str) -> None:
    if session.get(Device, device_id) is None:
        raise not_found("device")
    publish(
        session, device_audience(device_id), "device_command", DeviceCommandData(command="wipe")
    )


def rotate(session: Session, device: DeviceIdentity, credential_days: int) -> str:
    """Issue the next credential; the current one works until the new one is first used."""
    session.execute(
        update(DeviceCredential)
        .where(DeviceCredential.device_id == device.device_id, DeviceCredential.state == "next")
        .values(state="retired")
    )
    credential = new_token("kd1")
    now = utcnow()
    session.add(
        DeviceCredential(
            token_hash=token_hash(credential),
            device_id=device.device_id,
            state="next",
            issued_at=now,
            expires_at=now + timedelta(days=credential_days),
        )
    )
    return credential
