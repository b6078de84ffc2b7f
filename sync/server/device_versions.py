"""Which version of Kite each device runs, as its requests say: for staff and IT.

Every terminal request carries ``User-Agent: kite-terminal/<version>``
(:mod:`kiosk.version`). When an authenticated device's version differs from the
one on record, the record is replaced and stamped: ``since`` is when the server
first saw that version (after an update or a rollback). A missing or malformed
User-Agent changes nothing; the device still works (older terminals send only
``kite-terminal``). Staff read it at ``GET /v1/staff/device-versions``
(:mod:`sync.server.routes_versions`); ``kite-central devices`` prints it.

Additive to the protocol: a table of its own (``create_all`` adds it to an
existing database), one staff route, no change to any existing answer.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from sync.protocol.common import Id, WireModel
from sync.server.db import Database
from sync.server.models import Base, Device

log = logging.getLogger(__name__)
AGENT = re.compile(r"^kite-terminal/([0-9][A-Za-z0-9.+~]{0,63})(?:\s|$)")


class DeviceVersion(Base):
    __tablename__ = "device_versions"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime]


class DeviceVersionView(WireModel):
    device_id: Id
    version: str
    since: datetime


def version_from(user_agent: str | None) -> str | None:
    found = AGENT.match(user_agent or "")
    return found.group(1) if found else None


#: The version this process last saw recorded per device: most requests name the same
#: one, and need no read of the table. (With several server processes, one that missed
#: a change another recorded could skip recording a return to its old version: #16.)
_recorded: dict[str, str] = {}


def note(db: Database, device_id: str, user_agent: str | None, now: datetime) -> None:
    """Record the version a device's request names, when it is new for that device."""
    version = version_from(user_agent)
    if version is None or _recorded.get(device_id) == version:
        return
    with db.read() as session:
        known = session.get(DeviceVersion, device_id)
        if known is not None and known.version == version:
            _recorded[device_id] = version
            return
    try:
        with db.write() as session:
            row = session.get(DeviceVersion, device_id)
            if row is None:
                session.add(DeviceVersion(device_id=device_id, version=version, since=now))
            elif row.version != version:
                row.version, row.since = version, now
    except IntegrityError:
        pass  # two first requests at once: the other one recorded it
    _recorded[device_id] = version
    log.info("device %s runs kite-terminal %s", device_id, version)


def versions(session: Session, facility_id: str) -> dict[str, DeviceVersion]:
    rows = session.scalars(
        select(DeviceVersion)
        .join(Device, Device.id == DeviceVersion.device_id)
        .where(Device.facility_id == facility_id)
        .order_by(DeviceVersion.device_id)
    )
    return {row.device_id: row for row in rows}
