"""What staff see of their devices: state, PIN guessing, credential age, suspension, and
health (its latest report, or ``stale`` when it stopped reporting).

Shared by ``GET /v1/staff/devices`` (and the device actions' answers) and
``kite-central devices``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.protocol import HealthReport
from sync.server import device_health, device_refusals
from sync.server.clock import utcnow
from sync.server.device_health import DeviceHealth
from sync.server.models import Device, DeviceCredential, DeviceSuspension
from sync.server.schemas import DeviceView
from sync.server.signin_models import DevicePinGuesses


def device_views(
    session: Session, facility_id: str, state: str | None = None, device_id: str | None = None
) -> list[DeviceView]:
    """The facility's devices (one state, or one device, if asked), in ID order."""
    issued = (
        select(
            DeviceCredential.device_id.label("device_id"),
            func.max(DeviceCredential.issued_at).label("issued_at"),
        )
        .where(DeviceCredential.state == "active")
        .group_by(DeviceCredential.device_id)
        .subquery()
    )
    query = (
        select(Device, DevicePinGuesses, DeviceSuspension, issued.c.issued_at)
        .outerjoin(DevicePinGuesses, DevicePinGuesses.device_id == Device.id)
        .outerjoin(DeviceSuspension, DeviceSuspension.device_id == Device.id)
        .outerjoin(issued, issued.c.device_id == Device.id)
        .where(Device.facility_id == facility_id)
    )
    if state is not None:
        query = query.where(Device.state == state)
    if device_id is not None:
        query = query.where(Device.id == device_id)
    rows = session.execute(query.order_by(Device.id)).all()
    refused = device_refusals.of_devices(session, (row[0].id for row in rows))
    health = device_health.of_devices(session, (row[0].id for row in rows))
    now = utcnow()
    return [
        DeviceView.model_validate(
            _view(device, guesses, suspension, issued_at, refused.get(device.id, []))
            | _health(device, health.get(device.id), now)
        )
        for device, guesses, suspension, issued_at in rows
    ]


def device_view(session: Session, device: Device) -> DeviceView:
    (view,) = device_views(session, device.facility_id, device_id=device.id)
    return view


def _health(device: Device, health: DeviceHealth | None, now: datetime) -> dict[str, object]:
    report = None
    if health is not None:
        report = {field: getattr(health, field) for field in HealthReport.model_fields}
    return {
        "health": report,
        "health_reported_at": health.reported_at if health is not None else None,
        "stale": device_health.is_stale(device.state, health, now),
    }


def _view(
    device: Device,
    guesses: DevicePinGuesses | None,
    suspension: DeviceSuspension | None,
    issued_at: object,
    refused: list[device_refusals.DeviceRefusal],
) -> dict[str, object]:
    return {
        "device_id": device.id,
        "facility_id": device.facility_id,
        "name": device.name,
        "state": device.state,
        "housing_units": device.housing_units.get("ids", []),
        "requested_at": device.requested_at,
        "pin_failures_recent": guesses.failures if guesses is not None else 0,
        "pin_guessing_since": guesses.flagged_at if guesses is not None else None,
        "credential_issued_at": issued_at,
        "suspended_at": suspension.suspended_at if suspension else None,
        "suspension_reason": suspension.reason if suspension else None,
        "reused_credential_retired_at": (suspension.credential_retired_at if suspension else None),
        "reused_credential_was": suspension.credential_why if suspension else None,
        "refusals": [{"reason": r.reason, "count": r.count, "last_at": r.last_at} for r in refused],
    }
