"""The terminal's endpoints (docs/protocol.md): enrollment, sign-in, push, changes, reconcile."""

from __future__ import annotations

import time
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from sync.protocol import (
    HEALTH_EVERY_S,
    MAX_CHANGES_LIMIT,
    MAX_WAIT_S,
    PROTOCOL_MAJOR,
    ChangesPage,
    CollectRequest,
    ContactData,
    EnrollRequest,
    EnrollResponse,
    FateRequest,
    FateResponse,
    Health,
    HealthAck,
    HealthReport,
    PolicyDocument,
    PushRequest,
    PushResponse,
    ReconcileRequest,
    ReconcileResponse,
    RotateRequest,
    RotateResponse,
    SignInRequest,
    SignInResponse,
)
from sync.server import device_health, enrollment, feed, push, reconcile, rotation, signin
from sync.server.auth import (
    DeviceIdentity,
    authenticate_device,
    check_protocol,
    client_minor,
    database,
)
from sync.server.clock import utcnow
from sync.server.db import Database
from sync.server.errors import not_found
from sync.server.models import Media, Message, Resident
from sync.server.policy import load_policy
from sync.server.scope import audiences
from sync.server.settings import CentralSettings

# Each operation's error answers are written into the document by sync.server.openapi.
router = APIRouter(prefix="/v1")
Db = Annotated[Database, Depends(database)]
DeviceAuth = Annotated[DeviceIdentity, Depends(authenticate_device)]
ClientMinor = Annotated[int, Depends(client_minor)]


def settings(request: Request) -> CentralSettings:
    value: CentralSettings = request.app.state.settings
    return value


Settings = Annotated[CentralSettings, Depends(settings)]


@router.get("/health", tags=["terminal"])
def health() -> Health:
    """Liveness and the protocol major this server speaks (no authentication)."""
    return Health(status="ok", protocol_major=PROTOCOL_MAJOR, server_time=utcnow())


@router.post(
    "/enroll",
    tags=["terminal"],
    dependencies=[Depends(check_protocol)],
)
def enroll(body: EnrollRequest, request: Request, db: Db, config: Settings) -> EnrollResponse:
    """A terminal asks to be enrolled: device ID, the code it shows, its collection secret.

    Only the holder of the secret renews a pending request; new requests are capped per
    facility and rate-limited per client address (429 with Retry-After).
    """
    address = request.client.host if request.client else "unknown"
    with db.write() as session:
        return enrollment.request_enrollment(
            session, body, enrollment.EnrollLimits.of(config), address[:64]
        )


@router.post("/enroll/collect", tags=["terminal"], dependencies=[Depends(check_protocol)])
def collect(body: CollectRequest, db: Db, config: Settings) -> EnrollResponse:
    """Pending, revoked, or (once) approved with the device credential: by the secret only."""
    with db.write() as session:
        return enrollment.collect(
            session, body, config.credential_days, enrollment.EnrollLimits.of(config)
        )


@router.post("/device/health", tags=["terminal"])
def report_health(report: HealthReport, device: DeviceAuth, db: Db) -> HealthAck:
    """(1.8) Keep the device's health report for staff (``sync.server.device_health``)."""
    with db.write() as session:
        device_health.record(session, device.device_id, report, utcnow())
    return HealthAck(next_report_s=HEALTH_EVERY_S)


@router.post("/device/rotate", tags=["terminal"])
def rotate(
    device: DeviceAuth,
    db: Db,
    config: Settings,
    body: Annotated[RotateRequest | None, Body()] = None,  # {} or none: nothing to say
) -> RotateResponse:
    """A new credential; the old one stops working once the new one is used.

    The old one used again after that suspends the device (``403 device_suspended``).
    """
    with db.write() as session:
        credential = rotation.rotate(session, device.device_id, config.credential_days, utcnow())
        return RotateResponse(credential=credential)


@router.post(
    "/sign-in",
    tags=["terminal"],
    response_model=SignInResponse,
    responses={200: {"content": {"application/json": {}}}},
)
def sign_in(
    body: SignInRequest, device: DeviceAuth, minor: ClientMinor, db: Db, config: Settings
) -> Response:
    """Check a resident's PIN; open his session on this device; hand back the offline verifier."""
    answer = signin.sign_in(db, device, body, signin.SignInLimits.of(config))
    # A terminal of an older minor gets neither the answer's nor its contacts' newer fields.
    exclude: dict[str, Any] = dict.fromkeys(SignInResponse.fields_since_minor(minor), True)
    if newer := ContactData.fields_since_minor(minor):
        exclude["contacts"] = {"__all__": newer}
    return Response(answer.model_dump_json(exclude=exclude), media_type="application/json")


@router.get(
    "/policy",
    tags=["terminal"],
    response_model=PolicyDocument,
    responses={200: {"content": {"application/json": {}}}},
)
def policy(device: DeviceAuth, minor: ClientMinor, db: Db) -> Response:
    """The facility policy now (the feed also carries every change of it)."""
    with db.read() as session:
        document = load_policy(session, device.facility_id)
    return Response(
        document.model_dump_json(exclude=PolicyDocument.fields_since_minor(minor)),
        media_type="application/json",
    )


@router.post(
    "/push",
    tags=["terminal"],
    response_model=PushResponse,
    responses={200: {"content": {"application/json": {}}}},
)
def push_items(body: PushRequest, device: DeviceAuth, minor: ClientMinor, db: Db) -> Response:
    """Apply outbox items in order; one answer per item."""
    # Serialized once, from the model built here (not dumped, re-validated and encoded again).
    answer = push.push(db, device, body, minor)
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post("/push/fate", tags=["terminal"])
def push_fate(body: FateRequest, device: DeviceAuth, minor: ClientMinor, db: Db) -> FateResponse:
    """What became of this device's items: each key's stored answer, or ``unknown`` (1.2)."""
    return push.fate(db, device, body, minor)


@router.get(
    "/changes",
    tags=["terminal"],
    response_model=ChangesPage,
    responses={200: {"content": {"application/json": {}}}},
)
async def changes(
    request: Request,
    device: DeviceAuth,
    minor: ClientMinor,
    cursor: Annotated[str, Query(max_length=20, pattern=r"^[0-9]{0,20}$")] = "0",
    limit: Annotated[int, Query(ge=1, le=MAX_CHANGES_LIMIT)] = 500,
    wait: Annotated[int, Query(ge=0, le=MAX_WAIT_S)] = 0,
) -> Response:
    """The device's change feed after ``cursor``; waits up to ``wait`` s for news."""
    db: Database = request.app.state.db
    notifier: feed.FeedNotifier = request.app.state.notifier
    recheck: float = request.app.state.settings.poll_recheck_s
    position = int(cursor or "0")
    scope = audiences(device)
    deadline = time.monotonic() + wait

    def read() -> feed.Page:
        with db.read() as session:
            return feed.read_page(session, scope, position, limit, minor)

    while True:
        # Registered before reading: a commit for this device in between still wakes it.
        waiter = notifier.current(scope)
        try:
            page = await anyio.to_thread.run_sync(read)
            remaining = deadline - time.monotonic()
            if page.count or remaining <= 0 or await request.is_disconnected():
                return Response(page.body, media_type="application/json")
            await notifier.wait(waiter, min(remaining, recheck))
        finally:
            notifier.forget(waiter)


@router.post(
    "/reconcile",
    tags=["terminal"],
    response_model=ReconcileResponse,
    responses={200: {"content": {"application/json": {}}}},
)
def reconcile_counts(
    body: ReconcileRequest, device: DeviceAuth, minor: ClientMinor, db: Db
) -> Response:
    """Compare the terminal's confirmed figures; snapshots for residents that differ."""
    with db.read() as session:
        answer = reconcile.reconcile(session, device, body, minor)
    return Response(
        answer.model_dump_json(exclude=reconcile.unknown_fields(minor)),
        media_type="application/json",
    )


@router.get(
    "/media/{media_id}",
    tags=["terminal"],
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def media(media_id: str, device: DeviceAuth, db: Db) -> Response:
    """A photo of an approved message to one of the device's residents."""
    with db.read() as session:
        row = session.execute(
            select(Media, Message, Resident)
            .join(Message, Message.id == Media.message_id)
            .join(Resident, Resident.id == Message.resident_id)
            .where(Media.id == media_id)
        ).first()
        if row is None:
            raise not_found("media")
        item, message, resident = row
        if (
            message.status != "approved"
            or resident.facility_id != device.facility_id
            or resident.housing_unit_id not in device.housing_units
        ):
            raise not_found("media")
        return Response(item.data, media_type=item.content_type)
