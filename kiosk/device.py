"""This terminal's identity in the store: its device ID, and whether it is enrolled or revoked.

The device ID is minted once, on first use, and kept (it is not a secret; the
credential itself lives in the OS keyring, ``sync.credentials``). A revocation
is stamped here by ``kiosk.wipe`` in the same transaction as the wipe, so it is
honoured again after a restart.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.store.models import DeviceState


@dataclass(frozen=True)
class Device:
    """What the store holds about this terminal (a copy: changing it changes nothing)."""

    device_id: str
    enrolled_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _row(session: Session) -> DeviceState | None:
    return session.scalar(select(DeviceState).order_by(DeviceState.id).limit(1))


def current(session: Session) -> Device | None:
    """This terminal's device row, or None before the first enrollment asked for one."""
    row = _row(session)
    if row is None:
        return None
    return Device(row.device_id, row.enrolled_at, row.revoked_at)


def ensure_device_id(session: Session, restored: str | None = None) -> str:
    """This device's ID, added in the caller's transaction on first use.

    A new one is minted unless ``restored`` names the ID a re-imaged terminal had
    (it then proves its residents' work under that ID, as the server knows it).
    """
    row = _row(session)
    if row is None:
        row = DeviceState(device_id=restored or f"dev-{uuid.uuid4().hex}")
        session.add(row)
    return row.device_id


def is_revoked(session: Session) -> bool:
    """Whether the server revoked this terminal (recorded by a ``revoke`` command)."""
    revoked = session.scalar(
        select(func.count()).select_from(DeviceState).where(DeviceState.revoked_at.is_not(None))
    )
    return bool(revoked)


def mark_enrolled(session: Session, device_id: str, now: datetime) -> None:
    """IT approved ``device_id``: enrolled now, and no longer revoked (a re-enrollment)."""
    row = session.scalar(select(DeviceState).where(DeviceState.device_id == device_id))
    if row is not None:
        row.enrolled_at = now
        row.revoked_at = None
