"""Push (``POST /v1/push``): ordered batches of outbox items, answered per item.

The envelope (:class:`OutboxItem`) is validated for the whole request; each
item's ``payload`` is validated on its own against :data:`PAYLOAD_MODELS`
(``kind`` picks the model), so one malformed item is *rejected* with reason
``invalid_payload`` and never blocks the items after it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, GetJsonSchemaHandler, TypeAdapter, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from sync.protocol.changes import DebitBalanceData, LedgerEntryData
from sync.protocol.common import (
    MAX_MESSAGE_CHARS,
    MAX_PUSH_ITEMS,
    Cents,
    Id,
    IdempotencyKey,
    OutboundStatus,
    Payment,
    PublishedAs,
    ShortText,
    Stamps,
    UtcTime,
    WireModel,
)

ItemKind = Literal[
    "send_message",
    "purchase_stamps",
    "mark_read",
    "hide_message",
    "set_contact_blocked",
    "set_language",  # 1.8
    "audit",
]
Outcome = Literal["accepted", "duplicate", "rejected"]

#: Why the server refused an item; a rejected item is final (never retried).
RejectReason = Literal[
    "invalid_payload",
    "insufficient_stamps",
    "insufficient_funds",
    "contact_not_approved",
    "contact_blocked",
    "restricted",
    "messaging_suspended",
    "cod_not_allowed",
    "return_stamp_unavailable",
    "too_long",
    "unknown_product",
    "price_changed",
    "not_your_resident",
    "unknown_message",
    "idempotency_key_reused",
    "sequence_regressed",
    "audit_seq_taken",
    "resident_unproven",
]

#: Reject reasons by the protocol minor that added them: the server gives an older
#: terminal ``invalid_payload`` instead (its model refuses an unknown reason).
REASON_SINCE_MINOR: dict[str, int] = {"audit_seq_taken": 2, "resident_unproven": 4}


class SendMessagePayload(WireModel):
    """A resident's outbound message (a reply, or a new message to a contact)."""

    client_id: Id
    resident_id: Id
    contact_id: Id
    body: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]
    in_reply_to: Id | None = None
    payment: Payment
    #: stamps paid: the policy's ``stamps_per_message`` when ``payment`` is ``stamps``, else 0
    stamps: Stamps = 0
    written_at: UtcTime


class PurchaseStampsPayload(WireModel):
    """Buy one stamp product from the debit account.

    ``quantity`` is the number of stamps the product grants and ``price_cents``
    its price, both as the terminal showed them; if the server's product differs,
    the purchase is refused with ``price_changed`` (params: ``stamps``, ``price_cents``).
    """

    client_id: Id
    resident_id: Id
    product_id: Id
    quantity: Annotated[int, Field(ge=1, le=1000)]
    price_cents: Cents


class MarkReadPayload(WireModel):
    resident_id: Id
    message_id: Id
    read_at: UtcTime


class HideMessagePayload(WireModel):
    resident_id: Id
    message_id: Id  # a server message id, or the client_id of an outbound one


class SetContactBlockedPayload(WireModel):
    resident_id: Id
    contact_id: Id
    blocked: bool


class SetLanguagePayload(WireModel):
    """(1.8) The language the resident chose to read in: his record's from now on."""

    resident_id: Id
    language: Literal["en", "es"]


class AuditPayload(WireModel):
    """One hash-chained audit event (never a message body or a PIN)."""

    seq: Annotated[int, Field(ge=1, le=2**62)]
    at: UtcTime
    resident_id: Id | None = None
    action: Annotated[str, Field(min_length=1, max_length=64)]
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: Annotated[str, Field(max_length=64, pattern=r"^[0-9a-f]{0,64}$")]
    hash: Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")]


PAYLOAD_MODELS: dict[str, type[WireModel]] = {
    "send_message": SendMessagePayload,
    "purchase_stamps": PurchaseStampsPayload,
    "mark_read": MarkReadPayload,
    "hide_message": HideMessagePayload,
    "set_contact_blocked": SetContactBlockedPayload,
    "set_language": SetLanguagePayload,
    "audit": AuditPayload,
}


class ResidentProof(WireModel):
    """(1.4) That the item's resident signed in on this device (``sync.protocol.proofs``).

    ``method: session``: keyed by the session ``session_id`` an online sign-in
    opened; ``method: offline``: keyed by the resident's offline proof key.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"method": {"const": "session"}}},
            "then": {"required": ["session_id"], "properties": {"session_id": {"type": "string"}}},
            "else": {"properties": {"session_id": {"type": "null"}}},
        }
    )

    method: Literal["session", "offline"]
    session_id: Id | None = None
    mac: Annotated[str, Field(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")]

    @model_validator(mode="after")
    def _session_named(self) -> ResidentProof:
        if (self.method == "session") != (self.session_id is not None):
            raise ValueError("a session proof names its session_id, an offline one none")
        return self


Seq = Annotated[int, Field(ge=1, le=2**62)]


class OutboxItem(WireModel):
    """One outbox row on the wire. ``seq`` is the device's monotonic sequence number.

    ``proof`` (1.4) is required of the kinds in ``RESIDENT_KINDS``; an item of those
    kinds without a valid one is rejected with ``resident_unproven``.

    The server reads ``payload`` as any object here and validates it against its
    kind's model item by item (so one bad payload is rejected alone, never the
    request); the published schema is the union of the typed items below, one per kind.
    """

    idempotency_key: IdempotencyKey
    seq: Seq
    kind: ItemKind
    payload: dict[str, Any]
    proof: ResidentProof | None = None

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(_TYPED_ITEMS.core_schema)


class _TypedItem(WireModel):
    idempotency_key: IdempotencyKey
    seq: Seq
    proof: ResidentProof | None = None


class SendMessageItem(_TypedItem):
    """An :class:`OutboxItem` of kind ``send_message`` (the published schema only)."""

    kind: Literal["send_message"]
    payload: SendMessagePayload


class PurchaseStampsItem(_TypedItem):
    """An :class:`OutboxItem` of kind ``purchase_stamps`` (the published schema only)."""

    kind: Literal["purchase_stamps"]
    payload: PurchaseStampsPayload


class MarkReadItem(_TypedItem):
    """An :class:`OutboxItem` of kind ``mark_read`` (the published schema only)."""

    kind: Literal["mark_read"]
    payload: MarkReadPayload


class HideMessageItem(_TypedItem):
    """An :class:`OutboxItem` of kind ``hide_message`` (the published schema only)."""

    kind: Literal["hide_message"]
    payload: HideMessagePayload


class SetContactBlockedItem(_TypedItem):
    """An :class:`OutboxItem` of kind ``set_contact_blocked`` (the published schema only)."""

    kind: Literal["set_contact_blocked"]
    payload: SetContactBlockedPayload


class SetLanguageItem(_TypedItem):
    """An :class:`OutboxItem` of kind ``set_language`` (the published schema only)."""

    kind: Literal["set_language"]
    payload: SetLanguagePayload


class AuditItem(_TypedItem):
    """An :class:`OutboxItem` of kind ``audit`` (``proof`` not asked: no resident acts)."""

    kind: Literal["audit"]
    payload: AuditPayload


TypedOutboxItem = Annotated[
    SendMessageItem
    | PurchaseStampsItem
    | MarkReadItem
    | HideMessageItem
    | SetContactBlockedItem
    | SetLanguageItem
    | AuditItem,
    Field(discriminator="kind"),
]
_TYPED_ITEMS: TypeAdapter[Any] = TypeAdapter(TypedOutboxItem)


class PushRequest(WireModel):
    """Items in ascending ``seq`` order; at most :data:`MAX_PUSH_ITEMS`."""

    items: list[OutboxItem] = Field(min_length=1, max_length=MAX_PUSH_ITEMS)


class SendMessageResult(WireModel):
    """``result`` of an accepted ``send_message``."""

    message_id: Id
    status: OutboundStatus
    ledger: list[LedgerEntryData] = Field(default_factory=list, max_length=10)


class PurchaseResult(WireModel):
    """``result`` of an accepted ``purchase_stamps``."""

    ledger: list[LedgerEntryData] = Field(max_length=10)
    debit: DebitBalanceData


class ItemResult(WireModel):
    """The answer for one item.

    ``duplicate``: the server had this key already; ``original_outcome``,
    ``reason``, ``params`` and ``result`` are the stored answer of the first time.
    """

    idempotency_key: IdempotencyKey
    outcome: Outcome
    original_outcome: Literal["accepted", "rejected"] | None = None
    reason: RejectReason | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    #: ``send_message``: a :class:`SendMessageResult`; ``purchase_stamps``: a
    #: :class:`PurchaseResult`; any other kind, and every rejection: null.
    result: Annotated[
        dict[str, Any] | None, PublishedAs(SendMessageResult | PurchaseResult | None)
    ] = None
    #: Free text for logs (empty today); a terminal shows it nowhere and must accept it.
    memo: ShortText = ""


class PushResponse(WireModel):
    """One result per item, in the order of the request."""

    results: list[ItemResult] = Field(max_length=MAX_PUSH_ITEMS)


class FateRequest(WireModel):
    """``POST /v1/push/fate`` (1.2): what became of these idempotency keys of this device."""

    idempotency_keys: list[IdempotencyKey] = Field(min_length=1, max_length=MAX_PUSH_ITEMS)


class KeyFate(WireModel):
    """The fate of one key.

    ``unknown``: the server holds no item of the asking device under this key (it was
    never stored, or it is another device's). ``stored``: ``answer`` is exactly what a
    push of the same item would be answered now (``outcome: duplicate`` with the
    original outcome, reason, params and result).
    """

    idempotency_key: IdempotencyKey
    fate: Literal["unknown", "stored"]
    answer: ItemResult | None = None

    @model_validator(mode="after")
    def _answer_matches(self) -> KeyFate:
        if (self.fate == "stored") != (self.answer is not None):
            raise ValueError("a stored key has an answer, an unknown one none")
        if self.answer is not None:
            if self.answer.idempotency_key != self.idempotency_key:
                raise ValueError("the answer is for another key")
            if self.answer.outcome != "duplicate" or self.answer.original_outcome is None:
                raise ValueError("a stored answer is a duplicate with its original outcome")
        return self


class FateResponse(WireModel):
    """One fate per key, in the order of the request."""

    fates: list[KeyFate] = Field(max_length=MAX_PUSH_ITEMS)
