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

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    TypeAdapter,
)
from pydantic.json_schema import JsonSchemaValue, WithJsonSchema
from pydantic_core import CoreSchema

PROTOCOL_MAJOR = 1
#: Minor 1 added the ``outbound_message`` and ``message_read`` changes and the
#: snapshot's ``outbound`` and ``reads``. Models refuse unknown kinds and fields,
#: so the server sends them only to a terminal that announces minor 1 or later.
#: Minor 2 added ``POST /v1/push/fate`` and the reject reason ``audit_seq_taken``.
#: Minor 3 binds enrollment to its terminal: ``collection_secret`` on ``enroll``,
#: collection by that secret, approval by the code the terminal shows (``code_mismatch``).
#: Minor 4 asks proof that the resident acted: a session opened by online sign-in
#: (``SignInResponse.session``), the offline proof key's ``proof_salt``, ``proof`` on
#: every resident-scoped push item and the reject reason ``resident_unproven``.
#: Minor 5 puts the terminal's time on every request (:data:`CLIENT_TIME_HEADER`); the
#: server refuses a request whose time is outside its window (``clock_skew``).
#: Minor 6 writes the contract down: the error code ``method_not_allowed`` (405, with
#: ``Allow``), ``outbound_message.written_at`` is the writing terminal's own time, and the
#: JSON Schemas in ``docs/schemas`` (``sync.protocol.schemas``). Nothing a terminal of an
#: older minor reads changed shape, so the server sends every minor the same.
#: Minor 7 adds ``retention_days`` to the policy document; the server leaves it out for
#: a terminal of an older minor (its closed model would refuse the whole document).
PROTOCOL_MINOR = 8
PROTOCOL_HEADER = "Kite-Protocol"
#: What a terminal sends in :data:`PROTOCOL_HEADER`.
PROTOCOL_VERSION = f"{PROTOCOL_MAJOR}.{PROTOCOL_MINOR}"
#: The terminal's clock when it sent the request (RFC 3339 with a zone), on every request
#: of a terminal that announces minor :data:`CLIENT_TIME_SINCE_MINOR` or later.
CLIENT_TIME_HEADER = "Kite-Client-Time"
CLIENT_TIME_SINCE_MINOR = 5

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


class PublishedAs:
    """Annotation: publish a field's JSON Schema as ``shape``, validate it as declared.

    For a field the server reads loosely on purpose and checks later (an item's
    ``result``), so that the published schema still says exactly what is sent.
    """

    def __init__(self, shape: Any) -> None:
        self._adapter: TypeAdapter[Any] = TypeAdapter(shape)

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(self._adapter.core_schema)


#: RFC 3339 ``date-time`` (section 5.6): nothing else (no week dates, no basic format).
_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 40:
        match = _RFC3339.match(value)
        if match is None:
            raise ValueError("not an RFC 3339 time (YYYY-MM-DDTHH:MM:SS[.fraction]Z or +HH:MM)")
        whole, fraction, zone = match.groups()
        fraction = f".{fraction[:6]}" if fraction else ""  # microseconds: the clock's grain
        zone = "+00:00" if zone in ("Z", "z") else zone
        try:
            parsed = datetime.fromisoformat(f"{whole.upper()}{fraction}{zone}")
        except ValueError as exc:
            raise ValueError(f"not an RFC 3339 time: {exc}") from exc
    else:
        raise ValueError("a time must be an RFC 3339 string")
    if parsed.tzinfo is None:
        raise ValueError("a time must carry a zone (UTC: 'Z' or '+00:00')")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00:46+16:38 is before year 1 in UTC: refused, never a server error.
        raise ValueError("the time is out of range once moved to UTC") from None


UtcTime = Annotated[
    datetime,
    BeforeValidator(_parse_time),
    PlainSerializer(lambda v: v.isoformat().replace("+00:00", "Z"), return_type=str),
    WithJsonSchema(
        {"type": "string", "format": "date-time", "maxLength": 40, "pattern": _RFC3339.pattern}
    ),
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
    "clock_skew",
    "method_not_allowed",
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


def nul_at(value: Any, where: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where the first NUL (U+0000) is in ``value`` (strings, keys, lists, objects), or None.

    No text on the wire may hold one: PostgreSQL cannot store it, and no person types it.
    """
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, inner in value.items():
            found = nul_at(key, (*where, str(key))) or nul_at(inner, (*where, str(key)))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found = nul_at(inner, (*where, str(index)))
            if found is not None:
                return found
    return None


def format_client_time(when: datetime) -> str:
    """A :data:`CLIENT_TIME_HEADER` value: UTC, milliseconds, ``Z``."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_client_time(value: str | None) -> datetime | None:
    """The time in a :data:`CLIENT_TIME_HEADER` value; None if absent or unreadable."""
    if value is None or len(value) > 40:
        return None
    try:
        return _parse_time(value.strip())
    except ValueError:
        return None


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
