"""Request and answer models of the staff and family endpoints (server-only, same strictness).

The terminal's shapes live in ``sync.protocol``; these are for the people
around it (facility staff, families) and for driving demos and tests.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from pydantic import Field, field_validator

from sync.protocol.common import (
    MAX_MESSAGE_CHARS,
    Cents,
    ContactState,
    Id,
    IdempotencyKey,
    Name,
    Reason,
    ShortText,
    UtcTime,
    WireModel,
)
from sync.protocol.enrollment import OneTimeCode
from sync.protocol.health import HealthReport

MAX_PHOTO_BASE64 = 700_000  # about 512 KiB of image
#: Standard base64 with its padding: what ``b64decode(validate=True)`` takes, as a pattern.
_BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


class DeviceRefusalView(WireModel):
    """Items or requests of a device refused for a reason that is not a resident's doing."""

    reason: Annotated[str, Field(max_length=64)]
    count: int
    last_at: UtcTime


class DeviceView(WireModel):
    device_id: Id
    facility_id: Id
    name: Name
    state: Literal["pending", "approved", "revoked"]
    housing_units: list[Id]
    requested_at: UtcTime
    #: Wrong PINs entered on this device since it was last quiet (see sync.server.signin).
    pin_failures_recent: int = 0
    #: Set when the device entered so many wrong PINs that it looks like guessing.
    pin_guessing_since: UtcTime | None = None
    #: When its working credential was issued (at collection, or by its last rotation).
    credential_issued_at: UtcTime | None = None
    #: Set when a credential it had rotated out was used again (suspected theft): no
    #: credential of the device works until staff approve it again by its code.
    suspended_at: UtcTime | None = None
    suspension_reason: Literal["rotated_credential_reused"] | None = None
    #: When the reused credential had been retired, and how (rotated out, or superseded
    #: by a later rotation before it was ever used).
    reused_credential_retired_at: UtcTime | None = None
    reused_credential_was: Literal["rotated", "superseded"] | None = None
    #: Its work refused for reasons only IT can act on (``sync.server.device_refusals``):
    #: a terminal sending what does not validate, items unproven, a sequence gone back.
    refusals: list[DeviceRefusalView] = Field(default_factory=list)
    #: (1.8) Its latest health report (null: none yet), and when it came.
    health: HealthReport | None = None
    health_reported_at: UtcTime | None = None
    #: Approved, and no report for ``STALE_AFTER_S``: off, off the network, or crashed.
    stale: bool = False


class ApproveDeviceRequest(WireModel):
    """Staff approve the device whose screen shows ``one_time_code``."""

    housing_units: list[Id] = Field(min_length=1, max_length=100)
    one_time_code: OneTimeCode


class ReviewItem(WireModel):
    message_id: Id
    direction: Literal["inbound", "outbound"]
    resident_id: Id
    contact_id: Id
    body: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]
    payment: Literal["return_stamp", "stamps", "cod"] | None
    created_at: UtcTime


class ReviewDecision(WireModel):
    decision: Literal["approve", "reject"]
    reason: Reason | None = None


class ReviewOutcome(WireModel):
    message_id: Id
    status: Literal[
        "approved", "rejected", "delivered", "awaiting_payment", "opened", "pending_review"
    ]


class PhotoUpload(WireModel):
    caption: ShortText = ""
    content_type: Literal["image/jpeg", "image/png"]
    data_base64: Annotated[str, Field(min_length=4, max_length=MAX_PHOTO_BASE64, pattern=_BASE64)]

    @field_validator("data_base64")
    @classmethod
    def _decodes(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("not base64") from exc
        return value


class FamilyMessageRequest(WireModel):
    idempotency_key: IdempotencyKey
    contact_id: Id
    body: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]
    return_stamp: bool = False
    photos: list[PhotoUpload] = Field(default_factory=list, max_length=5)


class FamilyMessageAccepted(WireModel):
    message_id: Id
    status: Literal["pending_review"]
    charged_cents: Cents


class TransferRequest(WireModel):
    idempotency_key: IdempotencyKey
    contact_id: Id
    stamps: Annotated[int, Field(ge=1, le=100)]


class TransferResult(WireModel):
    entry_id: Id
    stamps: int
    charged_cents: Cents


class OpenRequest(WireModel):
    idempotency_key: IdempotencyKey


class FamilyContactView(WireModel):
    contact_id: Id
    resident_name: Name
    state: ContactState
    accepts_cod: bool


class FamilyMessageView(WireModel):
    message_id: Id
    contact_id: Id
    direction: Literal["inbound", "outbound"]
    status: str
    reason: Reason | None = None
    #: None while a COD message waits for payment
    body: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] | None
    cod_price_cents: Cents | None = None
    created_at: UtcTime


class FamilyChargeView(WireModel):
    """A charge to the family's card (positive) or a refund of one (negative)."""

    entry_id: Id
    kind: Literal["return_stamp", "transfer", "cod_open", "refund"]
    cents: Annotated[int, Field(ge=-100_000_000, le=100_000_000)]
    reference: Id
    booked_at: UtcTime


class FamilyOpened(WireModel):
    message_id: Id
    body: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]
    charged_cents: Cents


class ResidentView(WireModel):
    resident_id: Id
    facility_number: str
    display_name: Name
    housing_unit: Id
    language: str  # the one he reads in: set by staff, or chosen at a terminal (1.8)
    stamps: int
    debit_cents: int


class DepositRequest(WireModel):
    idempotency_key: IdempotencyKey
    cents: Annotated[int, Field(ge=1, le=1_000_000)]


class RestrictionRequest(WireModel):
    until: UtcTime | None
    reason: Reason | None = None


class MoveRequest(WireModel):
    """Move a resident to another housing unit of the facility."""

    housing_unit: Id


class ContactStateRequest(WireModel):
    state: ContactState
    accepts_cod: bool | None = None
    #: (1.8) Why, in words the resident will read (suspended or pending); cleared by
    #: approving. Staff write it in the resident's language.
    reason: Reason | None = None


class NewHousingUnit(WireModel):
    unit_id: Id
    name: Name


class NewResident(WireModel):
    """A resident of the staff's facility. The server mints the ``resident_id``; the
    facility's own number (unique in the facility) is what a retry collides on."""

    facility_number: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
    display_name: Name
    housing_unit: Id
    pin: Annotated[str, Field(min_length=4, max_length=12, pattern=r"^[0-9]+$")]
    language: Literal["en", "es"] = "en"


class NewFamily(WireModel):
    """A family account of the staff's facility; the server mints the ``family_id``."""

    idempotency_key: IdempotencyKey
    display_name: Name


class FamilyCreated(WireModel):
    family_id: Id
    token: str


class ContactCreated(WireModel):
    contact_id: Id
    state: ContactState


class NewContact(WireModel):
    """A contact between a resident and a family of the staff's facility; the server
    mints the ``contact_id``."""

    idempotency_key: IdempotencyKey
    resident_id: Id
    family_id: Id
    display_name: Name
    relationship: Annotated[str, Field(max_length=64)] = ""
    state: ContactState = "approved"
    accepts_cod: bool = False
