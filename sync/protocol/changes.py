"""The change feed (``GET /v1/changes``): what a terminal pulls, one change per fact.

A change is ``{cursor, kind, data}``; ``kind`` picks the shape of ``data``.
Cursors are opaque strings; the terminal stores ``next_cursor`` and sends it
back. Applying a change twice changes nothing (each carries the full state of
its object, or an entry with a stable id).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sync.protocol.common import (
    MAX_MESSAGE_CHARS,
    Cents,
    ContactState,
    Id,
    Language,
    LedgerKind,
    MediaKind,
    Name,
    OutboundStatus,
    Payment,
    Reason,
    ShortText,
    SignedCents,
    SignedStamps,
    Stamps,
    UtcTime,
    WireModel,
)
from sync.protocol.policy import PolicyDocument

Cursor = Annotated[str, Field(max_length=64, pattern=r"^[0-9]{0,20}$")]
DeviceCommand = Literal["wipe", "revoke"]


class ResidentData(WireModel):
    """A resident of one of the device's housing units."""

    resident_id: Id
    facility_number: Annotated[str, Field(min_length=1, max_length=32)]
    display_name: Name
    housing_unit: Id
    language: Language = "en"
    restricted_until: UtcTime | None = None
    restriction_reason: Reason | None = None


class ContactData(WireModel):
    """Someone a resident may correspond with, and in which state."""

    contact_id: Id
    resident_id: Id
    display_name: Name
    relationship: Annotated[str, Field(max_length=64)] = ""
    state: ContactState
    accepts_cod: bool = False
    #: (1.8) Why staff suspended (or did not approve) the contact, in their words; null
    #: when they gave none, and for every approved or resident-blocked contact.
    state_reason: Reason | None = None

    @classmethod
    def fields_since_minor(cls, minor: int) -> set[str]:
        """The fields a terminal of protocol minor ``minor`` cannot read (left out for it)."""
        return {"state_reason"} if minor < 8 else set()


class MediaRef(WireModel):
    """A photo, eCard or video attached to a message; fetched by id (``GET /v1/media/{id}``)."""

    kind: MediaKind
    id: Id
    caption: ShortText = ""


class MessageData(WireModel):
    """An approved inbound message (only approved ones ever reach a terminal)."""

    message_id: Id
    resident_id: Id
    contact_id: Id
    body: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]
    media: list[MediaRef] = Field(default_factory=list, max_length=20)
    has_return_stamp: bool = False
    approved_at: UtcTime


class MessageStatusData(WireModel):
    """A step of an outbound message's life (review, delivery, COD payment)."""

    message_id: Id
    client_id: Id
    resident_id: Id
    status: OutboundStatus
    reason: Reason | None = None
    at: UtcTime


class StatusStep(WireModel):
    """One step of an outbound message's timeline, as the server knows it."""

    status: OutboundStatus
    at: UtcTime
    reason: Reason | None = None


class OutboundMessageData(WireModel):
    """A resident's own message, whole, for every device of their unit (minor 1).

    Sent when the server accepts it (whichever terminal wrote it) and again to a
    new unit's devices when the resident moves. The terminal that wrote it knows
    it by ``client_id`` and does not duplicate it. ``status``/``reason`` are the
    current state; ``timeline`` the steps so far, oldest first. Later steps
    arrive as ``message_status`` changes.
    """

    message_id: Id
    client_id: Id
    resident_id: Id
    contact_id: Id
    body: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)]
    payment: Payment
    stamps: Stamps = 0
    in_reply_to: Id | None = None
    written_at: UtcTime
    status: OutboundStatus
    reason: Reason | None = None
    timeline: list[StatusStep] = Field(default_factory=list, max_length=10)
    hidden: bool = False


class MessageReadData(WireModel):
    """A resident read an inbound message, on any device of their unit (minor 1)."""

    message_id: Id
    resident_id: Id
    read_at: UtcTime


class LedgerEntryData(WireModel):
    """One booked change of a resident's stamps and/or debit money (signed deltas)."""

    entry_id: Id
    resident_id: Id
    kind: LedgerKind
    stamps: SignedStamps
    cents: SignedCents = 0
    memo: ShortText = ""
    reference: Id | None = None
    booked_at: UtcTime


class DebitBalanceData(WireModel):
    """The debit (trust) account balance as the server holds it."""

    resident_id: Id
    cents: Cents
    as_of: UtcTime


class DeviceCommandData(WireModel):
    """An order for this terminal: wipe resident data, or stop (revoked)."""

    command: DeviceCommand


class ResidentChange(WireModel):
    cursor: Cursor
    kind: Literal["resident"]
    data: ResidentData


class ContactChange(WireModel):
    cursor: Cursor
    kind: Literal["contact"]
    data: ContactData


class MessageChange(WireModel):
    cursor: Cursor
    kind: Literal["message"]
    data: MessageData


class MessageStatusChange(WireModel):
    cursor: Cursor
    kind: Literal["message_status"]
    data: MessageStatusData


class OutboundMessageChange(WireModel):
    cursor: Cursor
    kind: Literal["outbound_message"]
    data: OutboundMessageData


class MessageReadChange(WireModel):
    cursor: Cursor
    kind: Literal["message_read"]
    data: MessageReadData


class LedgerEntryChange(WireModel):
    cursor: Cursor
    kind: Literal["ledger_entry"]
    data: LedgerEntryData


class DebitBalanceChange(WireModel):
    cursor: Cursor
    kind: Literal["debit_balance"]
    data: DebitBalanceData


class PolicyChange(WireModel):
    cursor: Cursor
    kind: Literal["policy"]
    data: PolicyDocument


class DeviceCommandChange(WireModel):
    cursor: Cursor
    kind: Literal["device_command"]
    data: DeviceCommandData


Change = Annotated[
    ResidentChange
    | ContactChange
    | MessageChange
    | MessageStatusChange
    | OutboundMessageChange
    | MessageReadChange
    | LedgerEntryChange
    | DebitBalanceChange
    | PolicyChange
    | DeviceCommandChange,
    Field(discriminator="kind"),
]
ChangeKind = Literal[
    "resident",
    "contact",
    "message",
    "message_status",
    "outbound_message",
    "message_read",
    "ledger_entry",
    "debit_balance",
    "policy",
    "device_command",
]
#: The protocol minor that introduced a change kind (kinds not listed: minor 0). The
#: server leaves a kind out of the feed for a terminal that announces an older minor.
KIND_SINCE_MINOR: dict[str, int] = {"outbound_message": 1, "message_read": 1}


class ChangesPage(WireModel):
    """One page of the feed. ``has_more``: ask again at once with ``next_cursor``."""

    changes: list[Change] = Field(max_length=1000)
    next_cursor: Cursor
    has_more: bool
