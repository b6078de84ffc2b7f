"""Device enrollment, approval, credential collection, rotation, revocation and wipe.

A terminal asks with its device ID, the one-time code it shows (text and QR
code) and a collection secret it never shows (protocol 1.3). Only the holder of
the secret may renew a pending request or collect; staff approve by confirming
the code on the screen in front of them; the terminal then collects its
credential exactly once (asking again gets ``already_collected``: staff must
approve again). A pending request its terminal stops asking about expires;
pending requests are capped per facility and new ones rate-limited per client
address. Codes, secrets and credentials are stored only as SHA-256 digests.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from sync.protocol import CollectRequest, DeviceCommandData, EnrollRequest, EnrollResponse
from sync.server import rotation
from sync.server.clock import utcnow
from sync.server.errors import ApiError, not_found
from sync.server.feed import device_audience, publish
from sync.server.models import (
    Device,
    DeviceCredential,
    EnrollmentAttempt,
    EnrollmentSecret,
    Facility,
    HousingUnit,
)
from sync.server.settings import CentralSettings
from sync.server.tokens import new_token, token_hash


@dataclass(frozen=True)
class EnrollLimits:
    """How long a pending request lives, how many a facility holds, how fast an address asks."""

    pending_ttl: timedelta = timedelta(hours=24)
    pending_cap: int = 50
    per_address: int = 10
    window: timedelta = timedelta(minutes=10)

    @classmethod
    def of(cls, settings: CentralSettings) -> EnrollLimits:
        return cls(
            timedelta(minutes=settings.enroll_pending_minutes),
            settings.enroll_pending_cap,
            settings.enroll_per_address,
            timedelta(seconds=settings.enroll_window_s),
        )


_TAKEN = "this device ID has a live enrollment request or is enrolled already"


def _conflict(message: str) -> ApiError:
    return ApiError(409, "enrollment_conflict", message)


def _holds(session: Session, device: Device, secret: str) -> bool:
    row = session.get(EnrollmentSecret, device.id)
    return row is not None and hmac.compare_digest(row.secret_hash, token_hash(secret))


def _expired(device: Device, limits: EnrollLimits, now: datetime) -> bool:
    return device.state == "pending" and device.requested_at + limits.pending_ttl <= now


def request_enrollment(
    session: Session,
    request: EnrollRequest,
    limits: EnrollLimits | None = None,
    address: str = "local",
) -> EnrollResponse:
    """Idempotent for the holder of the secret; nobody else replaces a live request."""
    limits = limits or EnrollLimits()
    if session.get(Facility, request.facility_id) is None:
        raise not_found("facility")
    now = utcnow()
    code = token_hash(request.one_time_code)
    device = session.get(Device, request.device_id)
    if device is not None and device.facility_id != request.facility_id:
        # The same answer as a live request of this facility: nobody learns from it
        # which facility holds the ID.
        raise _conflict(_TAKEN)
    # A suspended device takes a new request like a revoked one, from any secret (the
    # earlier enrollment's holder may be the thief): staff approve the code on its screen.
    suspended = device is not None and rotation.is_suspended(session, device.id)
    if device is not None and not suspended and _holds(session, device, request.collection_secret):
        same_code = hmac.compare_digest(device.code_hash, code)
        if same_code and device.state != "pending":
            return _state(device)
        if device.state == "approved" and device.collected:
            raise _conflict("this device ID is enrolled already; revoke it first")
        if not same_code:  # the holder shows a new code: staff approve that one
            device.code_hash = code
            device.state = "pending"
            device.collected = False
        device.name = request.device_name
        device.requested_at = now
        return EnrollResponse(state="pending")
    open_to_all = device is not None and (
        device.state == "revoked" or _expired(device, limits, now) or suspended
    )
    if device is not None and not open_to_all:
        # A live request (or an enrolled device) held by another secret: refuse, change nothing.
        raise _conflict(_TAKEN)
    _admit(session, request.facility_id, address, limits, now)
    if device is None:
        device = Device(
            id=request.device_id,
            facility_id=request.facility_id,
            housing_units={"ids": []},
            code_hash=code,
        )
        session.add(device)
    device.code_hash = code
    device.state = "pending"
    device.collected = False
    device.name = request.device_name
    device.requested_at = now
    session.flush()
    session.merge(
        EnrollmentSecret(device_id=device.id, secret_hash=token_hash(request.collection_secret))
    )
    session.add(EnrollmentAttempt(address=address, at=now))
    return EnrollResponse(state="pending")


def _admit(
    session: Session, facility_id: str, address: str, limits: EnrollLimits, now: datetime
) -> None:
    """429 if this address asked too often, or the facility holds its cap of pending requests."""
    session.execute(delete(EnrollmentAttempt).where(EnrollmentAttempt.at <= now - limits.window))
    first, count = session.execute(
        select(func.min(EnrollmentAttempt.at), func.count()).where(
            EnrollmentAttempt.address == address
        )
    ).one()
    if count >= limits.per_address:
        raise _throttled(first + limits.window - now, "too many enrollment requests from here")
    oldest, pending = session.execute(
        select(func.min(Device.requested_at), func.count()).where(
            Device.facility_id == facility_id,
            Device.state == "pending",
            Device.requested_at > now - limits.pending_ttl,
        )
    ).one()
    if pending >= limits.pending_cap:
        raise _throttled(
            oldest + limits.pending_ttl - now, "this facility has too many pending enrollments"
        )


def _throttled(wait: timedelta, message: str) -> ApiError:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return ApiError(
        429, "throttled", message, headers={"Retry-After": str(seconds)}, retry_after=seconds
    )


def _state(device: Device) -> EnrollResponse:
    if device.state == "revoked":
        return EnrollResponse(state="revoked")
    if device.state == "approved" and device.collected:
        raise ApiError(409, "already_collected", "the credential was collected already")
    return EnrollResponse(state="pending")


def collect(
    session: Session, request: CollectRequest, credential_days: int, limits: EnrollLimits
) -> EnrollResponse:
    """Only the holder of the collection secret learns the state or gets the credential."""
    device = session.get(Device, request.device_id)
    if device is None or not _holds(session, device, request.collection_secret):
        raise ApiError(401, "invalid_credentials", "unknown device ID or collection secret")
    now = utcnow()
    if device.state == "pending":
        if _expired(device, limits, now):
            # Asking again renews it, unless someone took over the expired ID meanwhile
            # (then the secret no longer matches, above).
            device.requested_at = now
        elif now - device.requested_at > limits.pending_ttl / 4:
            device.requested_at = now  # the terminal is still there: keep it alive
        return EnrollResponse(state="pending")
    if device.state != "approved" or device.collected:
        return _state(device)
    credential = new_token("kd1")
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


def approve(
    session: Session,
    device_id: str,
    housing_units: list[str],
    one_time_code: str,
    limits: EnrollLimits | None = None,
) -> Device:
    """Staff approve the device whose screen shows ``one_time_code`` for these housing units.

    A wrong code is ``403 code_mismatch`` and changes nothing; an expired or revoked
    request is ``409 invalid_state`` (the terminal asks again first).
    """
    limits = limits or EnrollLimits()
    device = session.get(Device, device_id)
    if device is None:
        raise not_found("device")
    if not hmac.compare_digest(device.code_hash, token_hash(one_time_code)):
        raise ApiError(
            403, "code_mismatch", "that is not the code this device shows; read it off its screen"
        )
    if device.state == "revoked" or _expired(device, limits, utcnow()):
        raise ApiError(
            409, "invalid_state", "this enrollment request expired or was revoked; ask again"
        )
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
    # Approved by the code on its screen: whatever suspension it had ends here.
    rotation.lift(session, device.id)
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
    audience = device_audience(device.id, device.approved_at)
    publish(session, audience, "device_command", DeviceCommandData(command="revoke"))


def wipe(session: Session, device_id: str) -> None:
    device = session.get(Device, device_id)
    if device is None:
        raise not_found("device")
    audience = device_audience(device.id, device.approved_at)
    publish(session, audience, "device_command", DeviceCommandData(command="wipe"))
