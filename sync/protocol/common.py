"""The building blocks every wire model shares: strictness, bounded types, errors, version.

Every model is strict (no type coercion: ``"1"`` is not an int, ``1.0`` is not
an int, ``"true"`` is not a bool), refuses unknown fields and bounds every
length and amount. Closed enums are ``Literal`` types so that a model validates
the same whether it is fed decoded JSON (``model_validate(resp.json())``) or
raw JSON (``model_validate_json(resp.content)``).

Times on the wire are RFC 3339 strings with a zone; :data:`UtcTime` accepts
such a string (or an aware ``datetime`` in Python) and nothing else.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

PROTOCOL_MAJOR = 1
#: Minor 1 added the ``outbound_message`` and ``message_read`` changes and the
#: snapshot's ``outbound`` and ``reads``. Models refuse unknown kinds and fields,
#: so the server sends them only to a terminal that announces minor 1 or later.
#: Minor 2 added ``POST /v1/push/fate`` and the reject reason ``audit_seq_taken``.
#: Minor 3 binds enrollment to its terminal: ``collection_secret`` on ``enroll``,
#: collection by that secret, approval by the code the terminal shows (``code_mismatch``).
PROTOCOL_MINOR = 3
PROTOCOL_HEADER = "Kite-Protocol"
#: What a terminal sends in :data:`PROTOCOL_HEADER`.
PROTOCOL_VERSION = f"{PROTOCOL_MAJOR}.{PROTOCOL_MINOR}"

MAX_PUSH_ITEMS = 200
#: A request body larger than this is refused with 413 ``body_too_large``; a
#: terminal cuts its push batch at MAX_PUSH_ITEMS or at this size, whichever comes first.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
MAX_MESSAGE_CHARS = 30_000
MAX_CHANGES_LIMIT = 1000
MAX_WAIT_S = 60
MAX_CENTS = 100_000_000  # one million dollars: far above any trust account
MAX_STAMPS = 100_000


class WireModel(BaseModel):
    """Base of every wire model: strict, closed, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("not an RFC 3339 time") from exc
    else:
        raise ValueError("a time must be an RFC 3339 string")
    if parsed.tzinfo is None:
        raise ValueError("a time must carry a zone (UTC: 'Z' or '+00:00')")
    return parsed.astimezone(UTC)


UtcTime = Annotated[
    datetime,
    BeforeValidator(_parse_time),
    PlainSerializer(lambda v: v.isoformat().replace("+00:00", "Z"), return_type=str),
]

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
#: A server- or terminal-minted identifier.
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=_ID_PATTERN)]
#: Minted on the terminal at enqueue: 32 lower-case hex characters (uuid4().hex).
IdempotencyKey = Annotated[str, Field(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$")]
Cents = Annotated[int, Field(ge=0, le=MAX_CENTS)]
SignedCents = Annotated[int, Field(ge=-MAX_CENTS, le=MAX_CENTS)]
Stamps = Annotated[int, Field(ge=0, le=MAX_STAMPS)]
SignedStamps = Annotated[int, Field(ge=-MAX_STAMPS, le=MAX_STAMPS)]
ShortText = Annotated[str, Field(max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=128)]
Reason = Annotated[str, Field(max_length=500)]
FacilityNumber = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]
Pin = Annotated[str, Field(min_length=4, max_length=12, pattern=r"^[0-9]+$")]
Language = Literal["en", "es"]

ContactState = Literal["pending", "approved", "blocked", "suspended"]
OutboundStatus = Literal[
    "queued", "sent", "pending_review", "delivered", "rejected", "awaiting_payment", "opened"
]
Payment = Literal["return_stamp", "stamps", "cod"]
LedgerKind = Literal["purchase", "transfer_in", "spend", "refund", "adjustment"]
MediaKind = Literal["photo", "ecard", "video"]

#: Every machine code an error body can carry (``{"error": {"code": ...}}``).
ErrorCode = Literal[
    "malformed_json",
    "invalid_request",
    "body_too_large",
    "protocol_version",
    "unauthenticated",
    "credential_expired",
    "device_revoked",
    "device_suspended",
    "credential_rotated",
    "device_not_approved",
    "forbidden",
    "not_found",
    "invalid_credentials",
    "account_locked",
    "throttled",
    "already_collected",
    "code_mismatch",
    "enrollment_conflict",
    "batch_out_of_order",
    "sequence_regressed",
    "not_your_resident",
    "idempotency_key_reused",
    "conflict",
    "insufficient_funds",
    "insufficient_stamps",
    "invalid_state",
    "contact_not_approved",
    "too_long",
    "messaging_suspended",
    "internal_error",
    "cursor_ahead",
]


class ErrorDetail(WireModel):
    """What went wrong: a machine code, an English line for logs and IT, parameters."""

    code: ErrorCode
    message: Annotated[str, Field(max_length=2000)]
    params: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(WireModel):
    """The body of every 4xx answer."""

    error: ErrorDetail


_VERSION_RE = re.compile(r"^\s*(\d{1,4})(?:\.(\d{1,4}))?\s*$")


def protocol_major(header: str | None) -> int | None:
    """The major version named by a ``Kite-Protocol`` header value, or None if unreadable."""
    if header is None:
        return None
    match = _VERSION_RE.match(header)
    return int(match.group(1)) if match else None


def protocol_minor(header: str | None) -> int:
    """The minor version named by a ``Kite-Protocol`` header value (``1`` alone is minor 0)."""
    match = _VERSION_RE.match(header or "")
    return int(match.group(2)) if match and match.group(2) else 0


class Health(WireModel):
    """``GET /v1/health``: the server is up and speaks this protocol major."""

    status: Literal["ok"]
    protocol_major: Annotated[int, Field(ge=0, le=9999)]
    server_time: UtcTime
