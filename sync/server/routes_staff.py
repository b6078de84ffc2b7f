"""Staff endpoints: devices, the review queue, policy, residents' restrictions and balances."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from sync.protocol import PolicyDocument
from sync.server import directory, enrollment, moves, review
from sync.server.auth import TokenIdentity, authenticate_staff, database
from sync.server.db import Database
from sync.server.device_views import device_view, device_views
from sync.server.errors import ApiError, not_found
from sync.server.feed import publish, unit_audience
from sync.server.idempotency import once
from sync.server.ledger import deposit, lock_resident
from sync.server.models import Contact, Device, Resident
from sync.server.policy import set_policy
from sync.server.schemas import (
    ApproveDeviceRequest,
    ContactCreated,
    ContactStateRequest,
    DepositRequest,
    DeviceView,
    FamilyCreated,
    MoveRequest,
    NewContact,
    NewFamily,
    NewHousingUnit,
    NewResident,
    ResidentView,
    RestrictionRequest,
    ReviewDecision,
    ReviewItem,
    ReviewOutcome,
)
from sync.server.settings import CentralSettings
from sync.server.signin_models import DevicePinGuesses
from sync.server.views import contact_data, resident_data

# Each operation's error answers are written into the document by sync.server.openapi.
router = APIRouter(prefix="/v1/staff", tags=["staff"])
Db = Annotated[Database, Depends(database)]
Staff = Annotated[TokenIdentity, Depends(authenticate_staff)]


def _settings(request: Request) -> CentralSettings:
    value: CentralSettings = request.app.state.settings
    return value


Settings = Annotated[CentralSettings, Depends(_settings)]


def _own_device(session: Any, staff: TokenIdentity, device_id: str) -> None:
    device = session.get(Device, device_id)
    if device is None or device.facility_id != staff.facility_id:
        raise not_found("device")


@router.get("/devices")
def list_devices(
    staff: Staff,
    db: Db,
    state: Annotated[Literal["pending", "approved", "revoked"] | None, Query()] = None,
    stale: Annotated[bool | None, Query()] = None,
) -> list[DeviceView]:
    """The facility's devices: state, PIN guessing, credential age, any suspension and
    health (``stale=true``: only the approved ones that stopped reporting)."""
    assert staff.facility_id is not None
    with db.read() as session:
        views = device_views(session, staff.facility_id, state)
    return [v for v in views if stale is None or v.stale == stale]


@router.post("/devices/{device_id}/clear-pin-flag")
def clear_pin_flag(device_id: str, staff: Staff, db: Db) -> DeviceView:
    """Staff looked into a device flagged for guessing PINs: clear the flag and its count."""
    with db.write() as session:
        _own_device(session, staff, device_id)
        device = session.get(Device, device_id)
        assert device is not None
        guesses = session.get(DevicePinGuesses, device_id)
        if guesses is not None:
            guesses.flagged_at = None
            guesses.failures = 0
            guesses.last_failure_at = None
            guesses.next_allowed_at = None
        return device_view(session, device)


@router.post("/devices/{device_id}/approve")
def approve_device(
    device_id: str, body: ApproveDeviceRequest, staff: Staff, db: Db, config: Settings
) -> DeviceView:
    """Approve the device whose screen shows ``one_time_code`` (a wrong code: 403 code_mismatch)."""
    with db.write() as session:
        _own_device(session, staff, device_id)
        device = enrollment.approve(
            session,
            device_id,
            body.housing_units,
            body.one_time_code,
            enrollment.EnrollLimits.of(config),
        )
        return device_view(session, device)


@router.post("/devices/{device_id}/revoke")
def revoke_device(device_id: str, staff: Staff, db: Db) -> DeviceView:
    with db.write() as session:
        _own_device(session, staff, device_id)
        enrollment.revoke(session, device_id)
        device = session.get(Device, device_id)
        assert device is not None
        return device_view(session, device)


@router.post("/devices/{device_id}/wipe")
def wipe_device(device_id: str, staff: Staff, db: Db) -> DeviceView:
    with db.write() as session:
        _own_device(session, staff, device_id)
        enrollment.wipe(session, device_id)
        device = session.get(Device, device_id)
        assert device is not None
        return device_view(session, device)


@router.get("/review")
def review_queue(staff: Staff, db: Db, resident_id: str | None = None) -> list[ReviewItem]:
    """The oldest 200 messages waiting for review; ``resident_id`` narrows it to one resident."""
    with db.read() as session:
        return [
            ReviewItem(
                message_id=m.id,
                direction=m.direction,  # type: ignore[arg-type]
                resident_id=m.resident_id,
                contact_id=m.contact_id,
                body=m.body,
                payment=m.payment,  # type: ignore[arg-type]
                created_at=m.created_at,
            )
            for m in review.pending(session, staff.facility_id, resident_id=resident_id)
        ]


@router.post("/review/{message_id}")
def decide(message_id: str, body: ReviewDecision, staff: Staff, db: Db) -> ReviewOutcome:
    with db.write() as session:
        message = review.decide(
            session, message_id, body.decision == "approve", body.reason, staff.facility_id
        )
        return ReviewOutcome(message_id=message.id, status=message.status)  # type: ignore[arg-type]


@router.put("/policy")
def put_policy(body: PolicyDocument, staff: Staff, db: Db) -> PolicyDocument:
    if body.facility_id != staff.facility_id:
        raise ApiError(403, "forbidden", "not your facility")
    with db.write() as session:
        set_policy(session, body)
    return body


def resident_view(resident: Resident) -> ResidentView:
    return ResidentView(
        resident_id=resident.id,
        facility_number=resident.facility_number,
        display_name=resident.display_name,
        housing_unit=resident.housing_unit_id,
        language=resident.language,
        stamps=resident.stamps,
        debit_cents=resident.debit_cents,
    )


@router.get("/residents")
def list_residents(staff: Staff, db: Db) -> list[ResidentView]:
    with db.read() as session:
        rows = session.execute(
            select(Resident).where(Resident.facility_id == staff.facility_id).order_by(Resident.id)
        ).scalars()
        return [resident_view(r) for r in rows]


def _own_resident(
    session: Any, staff: TokenIdentity, resident_id: str, lock: bool = False
) -> Resident:
    resident = lock_resident(session, resident_id) if lock else session.get(Resident, resident_id)
    if resident is None or resident.facility_id != staff.facility_id:
        raise not_found("resident")
    return resident


@router.post("/residents/{resident_id}/deposit")
def deposit_money(resident_id: str, body: DepositRequest, staff: Staff, db: Db) -> ResidentView:
    """Money paid into a resident's debit (trust) account, once per idempotency key."""

    def apply(session: Any) -> dict[str, Any]:
        resident = _own_resident(session, staff, resident_id, lock=True)
        deposit(session, resident, body.cents, "deposit")
        return resident_view(resident).model_dump(mode="json")

    owner = f"staff:{staff.facility_id}"
    answer = once(db, owner, body.idempotency_key, f"deposit:{resident_id}", body, apply)
    return ResidentView.model_validate(answer)


@router.post("/residents/{resident_id}/restriction")
def restrict(resident_id: str, body: RestrictionRequest, staff: Staff, db: Db) -> ResidentView:
    """Set (or lift, with ``until: null``) a communication restriction."""
    with db.write() as session:
        resident = _own_resident(session, staff, resident_id)
        resident.restricted_until = body.until
        resident.restriction_reason = body.reason if body.until else None
        publish(
            session,
            unit_audience(resident.facility_id, resident.housing_unit_id),
            "resident",
            resident_data(resident),
        )
        return resident_view(resident)


@router.post("/residents/{resident_id}/housing-unit")
def move_resident(resident_id: str, body: MoveRequest, staff: Staff, db: Db) -> ResidentView:
    """Move a resident to another unit; their history reaches that unit's devices by the feed."""
    with db.write() as session:
        resident = _own_resident(session, staff, resident_id, lock=True)
        return resident_view(moves.move_resident(session, resident, body.housing_unit))


@router.post("/contacts/{contact_id}/state")
def set_contact_state(
    contact_id: str, body: ContactStateRequest, staff: Staff, db: Db
) -> dict[str, str]:
    """Approve, suspend or re-open a contact (the facility's side of contact states)."""
    with db.write() as session:
        contact = session.get(Contact, contact_id)
        resident = session.get(Resident, contact.resident_id) if contact else None
        if contact is None or resident is None or resident.facility_id != staff.facility_id:
            raise not_found("contact")
        contact.state = body.state
        contact.state_reason = body.reason if body.state in ("suspended", "pending") else None
        if body.accepts_cod is not None:
            contact.accepts_cod = body.accepts_cod
        publish(
            session,
            unit_audience(resident.facility_id, resident.housing_unit_id),
            "contact",
            contact_data(contact),
        )
        return {"contact_id": contact.id, "state": contact.state}


@router.post("/housing-units")
def add_unit(body: NewHousingUnit, staff: Staff, db: Db) -> NewHousingUnit:
    assert staff.facility_id is not None
    with db.write() as session:
        directory.add_unit(session, staff.facility_id, body)
    return body


@router.post("/residents")
def add_resident(body: NewResident, staff: Staff, db: Db) -> ResidentView:
    assert staff.facility_id is not None
    with db.write() as session:
        return resident_view(directory.add_resident(session, staff.facility_id, body))


@router.post("/families")
def add_family(body: NewFamily, staff: Staff, db: Db) -> FamilyCreated:
    """A family account and its bearer token (shown once), once per idempotency key.

    A retry gets the same family and a new token that replaces the first one, whose
    answer the caller never saw.
    """
    facility_id = staff.facility_id
    assert facility_id is not None

    def apply(session: Any) -> dict[str, Any]:
        return {"family_id": directory.add_family(session, facility_id, body).id}

    owner = f"staff:{facility_id}"
    family_id = str(once(db, owner, body.idempotency_key, "new_family", body, apply)["family_id"])
    with db.write() as session:
        token = directory.issue_family_token(session, facility_id, family_id)
    return FamilyCreated(family_id=family_id, token=token)


@router.post("/contacts")
def add_contact(body: NewContact, staff: Staff, db: Db) -> ContactCreated:
    """A contact of the facility's own resident and family, once per idempotency key."""
    facility_id = staff.facility_id
    assert facility_id is not None

    def apply(session: Any) -> dict[str, Any]:
        contact = directory.add_contact(session, facility_id, body)
        return {"contact_id": contact.id, "state": contact.state}

    owner = f"staff:{facility_id}"
    answer = once(db, owner, body.idempotency_key, "new_contact", body, apply)
    return ContactCreated.model_validate(answer)
