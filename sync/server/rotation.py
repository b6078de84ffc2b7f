"""Device credential rotation, and a rotated-out credential used again treated as theft.

A device credential is ``active``, ``next`` or ``retired`` (``sync.server.auth``).

- ``POST /v1/device/rotate`` issues a ``next`` credential; an earlier ``next`` that
  was never used is retired as ``superseded``. The current credential keeps working.
- The first request with the ``next`` credential makes it ``active`` and retires the
  one it replaces as ``rotated``. Until then an answer lost on the way costs nothing.
- A credential retired as ``rotated`` or ``superseded`` used again means a second
  holder: a thief who copied it, or a genuine terminal whose credential a thief
  rotated first. Either way the device is **suspended**: no credential of it works
  (``403 device_suspended``) until staff approve it again by the code on its
  screen, so theft is noticed whoever rotated first.
- The one honest reuse: the genuine terminal's own request that read the old
  credential just before the new one was stored, and reached the server just after
  another of its requests used the new one. A ``rotated`` credential used within
  ``grace`` of its retirement is therefore refused without suspending
  (``401 credential_rotated``: the terminal sends the request again with its current
  credential). A ``superseded`` credential has no grace: a terminal never holds one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sync.server.db import rowcount
from sync.server.errors import ApiError
from sync.server.models import (
    CredentialRetirement,
    Device,
    DeviceCredential,
    DeviceSuspension,
)
from sync.server.tokens import new_token, token_hash

SUSPENDED_REASON = "rotated_credential_reused"


def rotate(session: Session, device_id: str, credential_days: int, now: datetime) -> str:
    """Issue the next credential; the current one works until the new one is first used."""
    _serialize(session, device_id)
    unused = session.execute(
        select(DeviceCredential.token_hash).where(
            DeviceCredential.device_id == device_id, DeviceCredential.state == "next"
        )
    ).scalars()
    _retire(session, device_id, list(unused), "superseded", now)
    credential = new_token("kd1")
    session.add(
        DeviceCredential(
            token_hash=token_hash(credential),
            device_id=device_id,
            state="next",
            issued_at=now,
            expires_at=now + timedelta(days=credential_days),
        )
    )
    return credential


def promote(session: Session, device_id: str, digest: str, now: datetime) -> None:
    """The ``next`` credential ``digest`` was used: it becomes active, the old one rotated out.

    Only the request that moves it from ``next`` does the rest, so two first uses at
    once retire the old credential once.
    """
    _serialize(session, device_id)
    moved = session.execute(
        update(DeviceCredential)
        .where(DeviceCredential.token_hash == digest, DeviceCredential.state == "next")
        .values(state="active")
    )
    if rowcount(moved) != 1:
        return
    old = session.execute(
        select(DeviceCredential.token_hash).where(
            DeviceCredential.device_id == device_id,
            DeviceCredential.state == "active",
            DeviceCredential.token_hash != digest,
        )
    ).scalars()
    _retire(session, device_id, list(old), "rotated", now)


def _serialize(session: Session, device_id: str) -> None:
    """Hold the device's row until this transaction ends: one rotation or promotion of a
    device at a time. Without it, PostgreSQL ran two rotations side by side, neither saw
    the other's ``next`` to supersede, and both credentials stayed waiting (SQLite
    serializes writers anyway; ``FOR UPDATE`` is left out there)."""
    session.execute(select(Device.id).where(Device.id == device_id).with_for_update())


def _retire(session: Session, device_id: str, digests: list[str], why: str, now: datetime) -> None:
    if not digests:
        return
    # Only what this transaction itself moved: a concurrent rotation that retired the same
    # credential first (PostgreSQL re-checks the condition after its row lock) records it.
    moved = session.execute(
        update(DeviceCredential)
        .where(DeviceCredential.token_hash.in_(digests), DeviceCredential.state != "retired")
        .values(state="retired")
        .returning(DeviceCredential.token_hash)
    ).scalars()
    for digest in list(moved):
        session.add(
            CredentialRetirement(token_hash=digest, device_id=device_id, why=why, retired_at=now)
        )


def retirement(session: Session, digest: str) -> CredentialRetirement | None:
    """Why and when a retired credential was retired by a rotation (None: not by one)."""
    return session.get(CredentialRetirement, digest)


def within_grace(retired: CredentialRetirement, grace: timedelta, now: datetime) -> bool:
    """The genuine terminal's own request in flight across its rotation (see above)."""
    return retired.why == "rotated" and now - retired.retired_at < grace


def suspend(session: Session, device_id: str, retired: CredentialRetirement, now: datetime) -> None:
    """Suspend the device for reuse of ``retired`` (the first reuse's time is kept)."""
    if session.get(DeviceSuspension, device_id) is None:
        session.add(
            DeviceSuspension(
                device_id=device_id,
                suspended_at=now,
                reason=SUSPENDED_REASON,
                credential_retired_at=retired.retired_at,
                credential_why=retired.why,
            )
        )


def suspended_error(suspension: DeviceSuspension) -> ApiError:
    return ApiError(
        403,
        "device_suspended",
        "a credential this device had rotated out was used again (suspected theft); "
        "the device is suspended until staff approve it again: call IT",
        since=suspension.suspended_at.isoformat(),
        reason=suspension.reason,
    )


def rotated_error() -> ApiError:
    return ApiError(
        401,
        "credential_rotated",
        "this credential was rotated out moments ago; send the request with the current one",
    )


def lift(session: Session, device_id: str) -> None:
    """A new approval (by the code on the device's screen) ends a suspension.

    The credentials of the earlier enrollment become merely retired: a thief replaying
    one gets ``401`` and can no longer suspend the device enrolled again.
    """
    session.execute(delete(DeviceSuspension).where(DeviceSuspension.device_id == device_id))
    session.execute(delete(CredentialRetirement).where(CredentialRetirement.device_id == device_id))


def is_suspended(session: Session, device_id: str) -> bool:
    return session.get(DeviceSuspension, device_id) is not None
