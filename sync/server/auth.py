"""Who is asking: device credentials, staff and family tokens, the protocol header.

Every credential is a random bearer token, stored only as its SHA-256. A device
credential has a state: ``active``; ``next`` (issued by a rotation, becomes
active on first use, which retires the old one); ``retired``. A credential a
rotation retired, used again, suspends its device (``sync.server.rotation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sync.protocol import PROTOCOL_HEADER, PROTOCOL_MAJOR, protocol_major, protocol_minor
from sync.server import device_versions, rotation
from sync.server.clock import utcnow
from sync.server.db import Database
from sync.server.errors import ApiError
from sync.server.models import ApiToken, Device, DeviceCredential, DeviceSuspension
from sync.server.tokens import new_token as new_token  # re-exported: its old home
from sync.server.tokens import token_hash


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def check_protocol(
    kite_protocol: Annotated[
        str | None,
        Header(
            alias=PROTOCOL_HEADER,
            description=f"The terminal's protocol version; this server speaks {PROTOCOL_MAJOR}.x",
        ),
    ] = None,
) -> None:
    """Refuse a terminal of another major version with 426, before anything else."""
    major = protocol_major(kite_protocol)
    if major != PROTOCOL_MAJOR:
        raise ApiError(
            426,
            "protocol_version",
            f"this server speaks protocol {PROTOCOL_MAJOR}; the terminal sent {kite_protocol!r}",
            server_major=PROTOCOL_MAJOR,
            client=kite_protocol,
        )


def client_minor(
    kite_protocol: Annotated[str | None, Header(alias=PROTOCOL_HEADER)] = None,
) -> int:
    """The protocol minor the terminal announced: what it can read of the feed and snapshots."""
    return protocol_minor(kite_protocol)


def _bearer(authorization: HTTPAuthorizationCredentials | None) -> str:
    if authorization is None:
        raise ApiError(401, "unauthenticated", "missing bearer credential")
    token = authorization.credentials.strip()
    if not token or len(token) > 200:
        raise ApiError(401, "unauthenticated", "unknown credential")
    return token


@dataclass(frozen=True)
class DeviceIdentity:
    """The authenticated device and what it may see."""

    device_id: str
    facility_id: str
    housing_units: tuple[str, ...]
    enrolled_at: datetime | None = None  # this enrollment's approval: its feed audience


# The three roles' bearer schemes, as the OpenAPI document names them (``securitySchemes``).
# auto_error=False: a missing or foreign Authorization header is our own 401 with its code.
DeviceBearer = Annotated[
    HTTPAuthorizationCredentials | None,
    Security(
        HTTPBearer(
            scheme_name="device",
            description="A device credential (collected at enrollment, renewed by rotation)",
            auto_error=False,
        )
    ),
]
StaffBearer = Annotated[
    HTTPAuthorizationCredentials | None,
    Security(
        HTTPBearer(scheme_name="staff", description="A facility staff token", auto_error=False)
    ),
]
FamilyBearer = Annotated[
    HTTPAuthorizationCredentials | None,
    Security(HTTPBearer(scheme_name="family", description="A family's token", auto_error=False)),
]


def _grace(request: Request) -> timedelta:
    return timedelta(seconds=request.app.state.settings.rotation_grace_s)


def authenticate_device(
    request: Request,
    db: Annotated[Database, Depends(database)],
    grace: Annotated[timedelta, Depends(_grace)],
    _: Annotated[None, Depends(check_protocol)],
    authorization: DeviceBearer = None,
) -> DeviceIdentity:
    """The device behind ``Authorization: Bearer``; 401/403 with a code otherwise."""
    digest = token_hash(_bearer(authorization))
    now = utcnow()
    with db.read() as session:
        found = session.execute(
            select(DeviceCredential, Device, DeviceSuspension)
            .join(Device, Device.id == DeviceCredential.device_id)
            .outerjoin(DeviceSuspension, DeviceSuspension.device_id == Device.id)
            .where(DeviceCredential.token_hash == digest)
        ).first()
        if found is None:
            raise ApiError(401, "unauthenticated", "unknown credential")
        credential, device, suspension = found
        if device.state == "revoked":
            raise ApiError(403, "device_revoked", "this device was revoked; call IT")
        if suspension is not None:
            raise rotation.suspended_error(suspension)
        if credential.state == "retired":
            retired = rotation.retirement(session, digest)
            if retired is None:  # retired by a new approval or a revocation, not a rotation
                raise ApiError(401, "unauthenticated", "this credential was replaced")
            if rotation.within_grace(retired, grace, now):
                raise rotation.rotated_error()
        else:
            retired = None
            if credential.expires_at <= now:
                raise ApiError(
                    401, "credential_expired", "the device credential expired; re-enroll"
                )
        identity = DeviceIdentity(
            device.id,
            device.facility_id,
            tuple(device.housing_units.get("ids", [])),
            device.approved_at,
        )
        first_use_of_next = credential.state == "next"
    if retired is not None:
        # A second holder of a credential the device rotated out: theft, whoever it is.
        try:
            with db.write() as session:
                rotation.suspend(session, device.id, retired, now)
        except IntegrityError:
            pass  # another request suspended it at the same moment
        with db.read() as session:
            suspension = session.get(DeviceSuspension, device.id)
        if suspension is None:  # lifted in between by a new approval
            raise ApiError(401, "unauthenticated", "this credential was replaced")
        raise rotation.suspended_error(suspension)
    if first_use_of_next:
        # The terminal has the rotated credential: only now does the old one stop working.
        with db.write() as session:
            rotation.promote(session, identity.device_id, digest, now)
    device_versions.note(db, identity.device_id, request.headers.get("user-agent"), now)
    return identity


@dataclass(frozen=True)
class TokenIdentity:
    role: str
    facility_id: str | None
    family_id: str | None


def _token(
    db: Database, authorization: HTTPAuthorizationCredentials | None, role: str
) -> TokenIdentity:
    digest = token_hash(_bearer(authorization))
    with db.read() as session:
        row = session.get(ApiToken, digest)
        if row is None:
            raise ApiError(401, "unauthenticated", "unknown token")
        if row.role != role:
            raise ApiError(403, "forbidden", f"this endpoint needs a {role} token")
        return TokenIdentity(row.role, row.facility_id, row.family_id)


def authenticate_staff(
    db: Annotated[Database, Depends(database)], authorization: StaffBearer = None
) -> TokenIdentity:
    return _token(db, authorization, "staff")


def authenticate_family(
    db: Annotated[Database, Depends(database)], authorization: FamilyBearer = None
) -> TokenIdentity:
    return _token(db, authorization, "family")
