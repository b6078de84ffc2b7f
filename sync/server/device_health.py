"""Each device's latest health report (protocol 1.8), for staff and IT watching a fleet.

A terminal reports as it starts and every ``HEALTH_EVERY_S``
(``POST /v1/device/health``); the server keeps the latest report per device and when
it came. Staff see it in the device list (``GET /v1/staff/devices``, ``kite-central
devices``), with ``stale`` for an approved device not heard from for
``STALE_AFTER_S`` (powered off, off the network, or its kiosk crashed): those are
the ones to walk to. A table of its own: ``create_all`` adds it to an existing
database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sync.protocol import STALE_AFTER_S, HealthReport
from sync.server.models import Base


class DeviceHealth(Base):
    __tablename__ = "device_health"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    reported_at: Mapped[datetime]
    sync_state: Mapped[str] = mapped_column(String(32))
    queue_waiting: Mapped[int] = mapped_column(Integer)
    queue_failed: Mapped[int] = mapped_column(Integer)
    last_sync_at: Mapped[datetime | None]
    disk_free_bytes: Mapped[int] = mapped_column(BigInteger)
    errors_since_start: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]


def record(session: Session, device_id: str, report: HealthReport, now: datetime) -> None:
    """Keep ``report`` as the device's latest."""
    row = session.get(DeviceHealth, device_id, with_for_update=True)
    if row is None:
        row = DeviceHealth(device_id=device_id)
        session.add(row)
    row.reported_at = now
    for field in HealthReport.model_fields:  # the attributes: times stay datetimes
        setattr(row, field, getattr(report, field))


def of_devices(session: Session, device_ids: Iterable[str]) -> dict[str, DeviceHealth]:
    ids = list(device_ids)
    if not ids:
        return {}
    rows = session.scalars(select(DeviceHealth).where(DeviceHealth.device_id.in_(ids)))
    return {row.device_id: row for row in rows}


def is_stale(state: str, health: DeviceHealth | None, now: datetime) -> bool:
    """An approved device that never reported, or not for ``STALE_AFTER_S``."""
    if state != "approved":
        return False
    return health is None or now - health.reported_at > timedelta(seconds=STALE_AFTER_S)
