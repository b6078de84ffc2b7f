"""What a device may touch: residents of its housing units, and their things."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.auth import DeviceIdentity
from sync.server.errors import Rejection
from sync.server.feed import device_audience, facility_audience, unit_audience
from sync.server.ledger import lock_resident
from sync.server.models import Resident


def audiences(device: DeviceIdentity) -> list[str]:
    """The feed audiences a device reads: its facility, itself, its housing units."""
    return [
        facility_audience(device.facility_id),
        device_audience(device.device_id, device.enrolled_at),
        *(unit_audience(device.facility_id, unit) for unit in device.housing_units),
    ]


def resident_for(
    session: Session, device: DeviceIdentity, resident_id: str, *, lock: bool = False
) -> Resident:
    """The resident, if they live in one of the device's units; else ``not_your_resident``."""
    resident = (
        lock_resident(session, resident_id)
        if lock
        else session.execute(
            select(Resident).where(Resident.id == resident_id)
        ).scalar_one_or_none()
    )
    if (
        resident is None
        or resident.facility_id != device.facility_id
        or resident.housing_unit_id not in device.housing_units
    ):
        raise Rejection("not_your_resident", resident_id=resident_id)
    return resident
