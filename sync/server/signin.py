"""Resident sign-in on a device, with server-side throttling and lockout.

Failed guesses are counted per facility number whether or not a resident
has it, and an unknown ID costs the same argon2 verification as a wrong PIN:
answers and timings reveal nothing about which IDs exist. After a failure the
next attempt must wait ``throttle_base_s * 2**(failures-1)`` seconds (429 with
Retry-After); the policy's ``lockout_attempts``-th failure locks the number for
``lockout_minutes`` (423 ``account_locked`` with ``until``).

The attempt is counted *before* the PIN is checked (and un-counted on
success), so parallel guesses cannot slip past the count.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.protocol import SignInRequest, SignInResponse
from sync.server.auth import DeviceIdentity
from sync.server.clock import utcnow
from sync.server.db import Database
from sync.server.errors import ApiError
from sync.server.models import Contact, Resident, SignInThrottle
from sync.server.pins import check_pin
from sync.server.policy import load_policy
from sync.server.views import contact_data, resident_data


def sign_in(
    db: Database, device: DeviceIdentity, request: SignInRequest, throttle_base_s: float
) -> SignInResponse:
    number = request.facility_number
    now = utcnow()
    with db.write() as session:
        policy = load_policy(session, device.facility_id)
        throttle = _throttle_row(session, device.facility_id, number)
        if throttle.locked_until is not None and throttle.locked_until > now:
            raise _locked(throttle)
        if throttle.next_allowed_at is not None and throttle.next_allowed_at > now:
            wait = math.ceil((throttle.next_allowed_at - now).total_seconds())
            raise ApiError(
                429,
                "throttled",
                "too many sign-in attempts; wait before trying again",
                headers={"Retry-After": str(wait)},
                retry_after=wait,
            )
        throttle.failures = (throttle.failures or 0) + 1
        locking = throttle.failures >= policy.lockout_attempts
        if locking:
            throttle.locked_until = now + timedelta(minutes=policy.lockout_minutes)
            throttle.failures = 0
            throttle.next_allowed_at = None
        else:
            delay = throttle_base_s * 2 ** (throttle.failures - 1)
            throttle.next_allowed_at = now + timedelta(seconds=delay)
        attempts_left = 0 if locking else policy.lockout_attempts - throttle.failures
        resident = session.execute(
            select(Resident).where(
                Resident.facility_id == device.facility_id, Resident.facility_number == number
            )
        ).scalar_one_or_none()
        pin_hash = (
            resident.pin_hash
            if resident is not None and resident.housing_unit_id in device.housing_units
            else None
        )
    if not check_pin(pin_hash, request.pin):  # slow: outside the write transaction
        if locking:
            with db.read() as session:
                row = session.get(SignInThrottle, (device.facility_id, number))
                assert row is not None
                raise _locked(row)
        raise ApiError(
            401,
            "invalid_credentials",
            "facility number or PIN is wrong",
            attempts_left=attempts_left,
        )
    assert resident is not None
    with db.write() as session:
        row = session.get(SignInThrottle, (device.facility_id, number))
        if row is not None:
            row.failures = 0
            row.next_allowed_at = None
            row.locked_until = None
        fresh = session.get(Resident, resident.id)
        assert fresh is not None
        contacts = session.execute(
            select(Contact).where(Contact.resident_id == fresh.id).order_by(Contact.id)
        ).scalars()
        return SignInResponse(
            resident=resident_data(fresh),
            contacts=[contact_data(c) for c in contacts],
            offline_verifier=fresh.offline_verifier,
        )


def _throttle_row(session: Session, facility_id: str, number: str) -> SignInThrottle:
    """The guess counter for ``number``, locked for this transaction (created if new)."""
    query = (
        select(SignInThrottle)
        .where(
            SignInThrottle.facility_id == facility_id,
            SignInThrottle.facility_number == number,
        )
        .with_for_update()
    )
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        # Two first guesses at once (PostgreSQL): the loser of the insert waits for the
        # winner, then locks and counts on the winner's row.
        savepoint = session.begin_nested()
        session.add(SignInThrottle(facility_id=facility_id, facility_number=number, failures=0))
        try:
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()
        row = session.execute(query).scalar_one()
    return row


def _locked(throttle: SignInThrottle) -> ApiError:
    assert throttle.locked_until is not None
    until = throttle.locked_until.isoformat().replace("+00:00", "Z")
    return ApiError(423, "account_locked", "too many wrong PINs; locked for a while", until=until)
