"""``GET /v1/staff/device-versions``: the Kite version each device last reported."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from sync.server.auth import TokenIdentity, authenticate_staff, database
from sync.server.db import Database
from sync.server.device_versions import DeviceVersionView, versions

router = APIRouter(prefix="/v1/staff", tags=["staff"])


@router.get("/device-versions")
def list_device_versions(
    staff: Annotated[TokenIdentity, Depends(authenticate_staff)],
    db: Annotated[Database, Depends(database)],
) -> list[DeviceVersionView]:
    """The version of Kite each of the facility's devices last reported, and since when."""
    assert staff.facility_id is not None
    with db.read() as session:
        return [
            DeviceVersionView(device_id=row.device_id, version=row.version, since=row.since)
            for row in versions(session, staff.facility_id).values()
        ]
