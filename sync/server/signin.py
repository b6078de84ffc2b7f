"""Resident sign-in on a device: throttling that protects residents, not punishes them.

Only a device that serves the resident's housing unit may try his PIN. Failed
guesses are counted in three places, each with its own rule:

- **per (device, facility number)**: the counter that throttles and locks. After
  a failure the next attempt *from this device at this number* waits
  ``throttle_base_s * 2**(failures-1)`` seconds (429 with Retry-After); the
  policy's ``lockout_attempts``-th failure locks the number *on this device* for
  ``lockout_minutes`` (423 ``account_locked`` with ``until``). It counts every
  number, known, unknown or of another unit, identically: a device learns nothing
  about which numbers exist or where they live. A lock on device X leaves the
  resident free on device Y.
- **per resident** (the global cap): failures at a resident's PIN from devices of
  his unit; the ``resident_pin_cap``-th (far above the per-device count) locks him
  on every device for ``lockout_minutes``. An attempt from another unit's device
  never reaches this counter, so a stranger cannot lock him out.
- **per device**: failures from the device whoever they named, counted until the
  device has been quiet (no wrong PIN) for ``device_pin_quiet_minutes``. From
  ``device_free_pin_failures`` on, the device waits between attempts (429,
  doubling from ``throttle_base_s`` up to 15 minutes); at
  ``device_flag_pin_failures`` it is flagged to staff (``GET /v1/staff/devices``:
  ``pin_guessing_since``) until staff clear it. This stops one PIN sprayed across
  many residents; a right PIN in between does not reset it.

An unknown or foreign number costs the same argon2 verification as a wrong PIN,
and gets the same answer. Every counter is bumped *before* the PIN is checked (and
un-counted on success), so parallel guesses cannot slip past a count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.protocol import SignInRequest, SignInResponse
from sync.server import proofs
from sync.server.auth import DeviceIdentity
from sync.server.clock import utcnow
from sync.server.db import Database
from sync.server.errors import ApiError
from sync.server.models import Contact, Resident
from sync.server.pins import check_pin
from sync.server.policy import load_policy
from sync.server.settings import CentralSettings
from sync.server.signin_models import DevicePinGuesses, PinGuesses, ResidentPinFailures
from sync.server.views import contact_data, resident_data

#: The longest a slowed device waits between attempts (shorter than the quiet spell).
DEVICE_MAX_WAIT = timedelta(minutes=15)

Row = TypeVar("Row", PinGuesses, ResidentPinFailures, DevicePinGuesses)


@dataclass(frozen=True)
class SignInLimits:
    """The server's throttling knobs (the lockout count and time are the facility's policy)."""

    throttle_base_s: float = 1.0
    resident_pin_cap: int = 20
    device_free_pin_failures: int = 10
    device_flag_pin_failures: int = 30
    device_pin_quiet_minutes: int = 60
    session_hours: int = 12  # how long the session a sign-in opens may sign

    @classmethod
    def of(cls, settings: CentralSettings) -> SignInLimits:
        return cls(
            throttle_base_s=settings.throttle_base_s,
            resident_pin_cap=settings.resident_pin_cap,
            device_free_pin_failures=settings.device_free_pin_failures,
            device_flag_pin_failures=settings.device_flag_pin_failures,
            device_pin_quiet_minutes=settings.device_pin_quiet_minutes,
            session_hours=settings.resident_session_hours,
        )


def sign_in(
    db: Database, device: DeviceIdentity, request: SignInRequest, limits: SignInLimits
) -> SignInResponse:
    number = request.facility_number
    now = utcnow()
    with db.write() as session:
        policy = load_policy(session, device.facility_id)
        # Lock order, everywhere: device, (device, number), resident.
        by_device = _row(session, DevicePinGuesses, device_id=device.device_id)
        if by_device.next_allowed_at is not None and by_device.next_allowed_at > now:
            raise _throttled(by_device.next_allowed_at, now)
        pair = _row(session, PinGuesses, device_id=device.device_id, facility_number=number)
        if pair.locked_until is not None and pair.locked_until > now:
            raise _locked(pair.locked_until)
        if pair.next_allowed_at is not None and pair.next_allowed_at > now:
            raise _throttled(pair.next_allowed_at, now)
        resident = session.execute(
            select(Resident).where(
                Resident.facility_id == device.facility_id, Resident.facility_number == number
            )
        ).scalar_one_or_none()
        ours = resident is not None and resident.housing_unit_id in device.housing_units
        by_resident = None
        if ours:
            assert resident is not None
            by_resident = _row(session, ResidentPinFailures, resident_id=resident.id)
            if by_resident.locked_until is not None and by_resident.locked_until > now:
                raise _locked(by_resident.locked_until)

        _count_device(by_device, now, limits)
        pair.failures = (pair.failures or 0) + 1
        pair_locks = pair.failures >= policy.lockout_attempts
        if pair_locks:
            pair.locked_until = now + timedelta(minutes=policy.lockout_minutes)
            pair.failures = 0
            pair.next_allowed_at = None
        else:
            delay = limits.throttle_base_s * 2 ** (pair.failures - 1)
            pair.next_allowed_at = now + timedelta(seconds=delay)
        attempts_left = 0 if pair_locks else policy.lockout_attempts - pair.failures
        resident_locks = False
        if by_resident is not None:
            by_resident.failures = (by_resident.failures or 0) + 1
            if by_resident.failures >= limits.resident_pin_cap:
                resident_locks = True
                by_resident.locked_until = now + timedelta(minutes=policy.lockout_minutes)
                by_resident.failures = 0
        pin_hash = resident.pin_hash if ours and resident is not None else None
        pair_until, resident_until = (
            pair.locked_until,
            (by_resident.locked_until if by_resident is not None else None),
        )
    if not check_pin(pin_hash, request.pin):  # slow: outside the write transaction
        if pair_locks:
            assert pair_until is not None
            raise _locked(pair_until)
        if resident_locks:
            assert resident_until is not None
            raise _locked(resident_until)
        raise ApiError(
            401,
            "invalid_credentials",
            "facility number or PIN is wrong",
            attempts_left=attempts_left,
        )
    assert resident is not None
    with db.read() as session:
        current = proofs.proof_key_current(session, resident)
    made = None if current else proofs.make_proof_key(request.pin)  # slow: outside
    with db.write() as session:
        _forgive(session, device, number, resident.id, limits)
        fresh = session.get(Resident, resident.id)
        assert fresh is not None
        contacts = session.execute(
            select(Contact).where(Contact.resident_id == fresh.id).order_by(Contact.id)
        ).scalars()
        return SignInResponse(
            resident=resident_data(fresh),
            contacts=[contact_data(c) for c in contacts],
            offline_verifier=fresh.offline_verifier,
            session=proofs.open_session(
                session, device.device_id, fresh.id, now, limits.session_hours
            ),
            proof_salt=proofs.store_proof_key(session, fresh, made),
        )


def _count_device(row: DevicePinGuesses, now: datetime, limits: SignInLimits) -> None:
    """One more failure from the device: slowed past the allowance, flagged past the limit.

    The count starts again only after a quiet spell longer than any wait it imposes,
    so a device that keeps guessing, however slowly, keeps counting towards the flag.
    """
    quiet = timedelta(minutes=limits.device_pin_quiet_minutes)
    if row.last_failure_at is None or row.last_failure_at + quiet <= now:
        row.failures = 0
    row.last_failure_at = now
    row.failures = (row.failures or 0) + 1
    excess = row.failures - limits.device_free_pin_failures
    if excess >= 0:
        delay = min(limits.throttle_base_s * 2**excess, DEVICE_MAX_WAIT.total_seconds())
        row.next_allowed_at = now + timedelta(seconds=delay)
    if row.failures >= limits.device_flag_pin_failures and row.flagged_at is None:
        row.flagged_at = now


def _forgive(
    session: Session, device: DeviceIdentity, number: str, resident_id: str, limits: SignInLimits
) -> None:
    """The right PIN: this attempt was no guess; the resident's counters start again.

    The device's own count only loses this attempt: a device that guesses between
    genuine sign-ins is still slowed and still flagged.
    """
    by_device = session.get(DevicePinGuesses, device.device_id, with_for_update=True)
    if by_device is not None and by_device.failures:
        by_device.failures -= 1
        if by_device.failures < limits.device_free_pin_failures:
            by_device.next_allowed_at = None
    pair = session.get(PinGuesses, (device.device_id, number), with_for_update=True)
    if pair is not None:
        pair.failures = 0
        pair.next_allowed_at = None
        pair.locked_until = None
    by_resident = session.get(ResidentPinFailures, resident_id, with_for_update=True)
    if by_resident is not None:
        by_resident.failures = 0
        by_resident.locked_until = None


def _row(session: Session, model: type[Row], **key: Any) -> Row:
    """The counter row for ``key``, locked for this transaction (created if new)."""
    query = select(model).filter_by(**key).with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        # Two first guesses at once (PostgreSQL): the loser of the insert waits for the
        # winner, then locks and counts on the winner's row.
        savepoint = session.begin_nested()
        session.add(model(**key, failures=0))
        try:
            savepoint.commit()
        except IntegrityError:
            savepoint.rollback()
        row = session.execute(query).scalar_one()
    return row


def _throttled(until: datetime, now: datetime) -> ApiError:
    wait = math.ceil((until - now).total_seconds())
    return ApiError(
        429,
        "throttled",
        "too many sign-in attempts; wait before trying again",
        headers={"Retry-After": str(wait)},
        retry_after=wait,
    )


def _locked(until: datetime) -> ApiError:
    stamp = until.isoformat().replace("+00:00", "Z")
    return ApiError(423, "account_locked", "too many wrong PINs; locked for a while", until=stamp)
