"""The terminal's local store: SQLAlchemy 2 typed models.

Identifiers that come from the server are kept as the server's strings
(``server_id``); rows born on the terminal carry a ``client_id`` (UUID hex)
that doubles as their idempotency key on the wire. Money is integer cents,
stamps are integer counts, times are UTC.

The schema is owned by Alembic (``kiosk/store/migrations``); these models
describe head. Change both together.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (SQLite has no zones), always handed back aware in UTC."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SQLITE_DATETIME)
        return super().load_dialect_impl(dialect)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not UTC:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; use kiosk.clock.utcnow()")
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class _SQLiteDateTime(sqlite.DATETIME):
    """SQLite's DATETIME (same column type, same stored text), bound in one C call.

    SQLAlchemy formats ``%(year)04d-%(month)02d-%(day)02d %(hour)02d:...%(microsecond)06d``
    from a dict built per value; for a naive datetime that is exactly
    ``isoformat(" ", "microseconds")``, at a third of the cost (a 10,000-message
    backlog binds 10,000 of them).
    """

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], str | None]:
        def process(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat(" ", "microseconds")

        return process


_SQLITE_DATETIME = _SQLiteDateTime()  # type: ignore[no-untyped-call]  # SQLAlchemy's own __init__


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime()}


def _enum(cls: type[enum.Enum]) -> Enum:
    # Store the value (stable on the wire and in SQL), as a CHECK-constrained string.
    return Enum(
        cls,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        create_constraint=True,
        length=32,
        name=cls.__name__.lower(),
        validate_strings=True,
    )


class ContactState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    BLOCKED = "blocked"  # by the resident
    SUSPENDED = "suspended"  # by the facility


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class OutboundStatus(enum.StrEnum):
    QUEUED = "queued"  # on this terminal, not yet acknowledged by the server
    SENT = "sent"  # the server has it
    PENDING_REVIEW = "pending_review"
    DELIVERED = "delivered"
    REJECTED = "rejected"  # by review, or refused by the server (reason says which)
    AWAITING_PAYMENT = "awaiting_payment"  # COD: delivered, recipient has not paid
    OPENED = "opened"  # COD: recipient paid and opened it


class Payment(enum.StrEnum):
    RETURN_STAMP = "return_stamp"
    STAMPS = "stamps"
    COD = "cod"


class LedgerKind(enum.StrEnum):
    PURCHASE = "purchase"
    TRANSFER_IN = "transfer_in"
    SPEND = "spend"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class HoldKind(enum.StrEnum):
    PURCHASE = "purchase"  # stamps bought, not yet confirmed: shown as pending, not spendable
    SPEND = "spend"  # stamps committed to a queued reply: not spendable again


class HoldState(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"  # the server accepted it (or had it already)
    FAILED = "failed"  # permanently refused; the resident sees why


class Resident(Base):
    """A resident known to this terminal (cached from the server)."""

    __tablename__ = "residents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # server id
    facility_number: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    housing_unit: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")  # the facility's record
    # What the resident chose on this terminal (kiosk.languages); wins over the record here.
    chosen_language: Mapped[str | None] = mapped_column(String(8))
    notice_seen_at: Mapped[datetime | None]  # the review and retention notice (kiosk.notice)
    pin_verifier: Mapped[str | None] = mapped_column(String(256))  # slow salted hash, offline use
    proof_salt: Mapped[str | None] = mapped_column(String(160))  # for the offline proof key
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    restricted_until: Mapped[datetime | None]
    restriction_reason: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime]


class Contact(Base):
    """Someone a resident may correspond with, in one of four states."""

    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # server id
    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(128))
    relationship_label: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[ContactState] = mapped_column(_enum(ContactState))
    accepts_cod: Mapped[bool] = mapped_column(Boolean, default=False)
    state_reason: Mapped[str | None] = mapped_column(String(500))  # staff's words (1.8)
    updated_at: Mapped[datetime]


class Message(Base):
    """One message, inbound (approved, from a contact) or outbound (a reply)."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_thread", "resident_id", "contact_id", "sort_at"),
        Index("ix_messages_inbox", "resident_id", "hidden", "sort_at"),
        # Unread badges on the home and contact screens: only unread inbound rows.
        Index(
            "ix_messages_unread",
            "resident_id",
            "contact_id",
            sqlite_where=text("direction = 'inbound' AND read_at IS NULL"),
        ),
        CheckConstraint("stamps_cost >= 0", name="stamps_cost_nonneg"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str | None] = mapped_column(String(32), unique=True)  # outbound only
    server_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    body: Mapped[str] = mapped_column(Text)
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{kind, id, ...}]
    sort_at: Mapped[datetime]  # when it was written (outbound) or approved (inbound)
    # inbound
    has_return_stamp: Mapped[bool] = mapped_column(Boolean, default=False)
    return_stamp_used: Mapped[bool] = mapped_column(Boolean, default=False)
    read_at: Mapped[datetime | None]
    # outbound
    status: Mapped[OutboundStatus | None] = mapped_column(_enum(OutboundStatus))
    status_reason: Mapped[str | None] = mapped_column(String(500))
    payment: Mapped[Payment | None] = mapped_column(_enum(Payment))
    stamps_cost: Mapped[int] = mapped_column(Integer, default=0)
    in_reply_to: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)

    events: Mapped[list[MessageEvent]] = relationship(
        back_populates="message", order_by="MessageEvent.id", cascade="all, delete-orphan"
    )


class MessageEvent(Base):
    """A step of an outbound message's status timeline, with its time."""

    __tablename__ = "message_events"
    __table_args__ = (UniqueConstraint("message_id", "status", name="one_per_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[OutboundStatus] = mapped_column(_enum(OutboundStatus))
    at: Mapped[datetime]
    reason: Mapped[str | None] = mapped_column(String(500))

    message: Mapped[Message] = relationship(back_populates="events")


class Draft(Base):
    """Unfinished text, kept across sessions and never silently dropped."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[str] = mapped_column(
        ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    in_reply_to: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(
        String(16), default="typed"
    )  # typed | rejected | session_end
    updated_at: Mapped[datetime]
    # For origin "rejected": the reply whose text this is ("Revise and send again").
    rejected_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )


class LedgerEntry(Base):
    """A confirmed change of a stamp or debit balance, as the server booked it.

    Append-only: triggers in the database refuse UPDATE and DELETE.
    """

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_id: Mapped[str] = mapped_column(String(64), unique=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[LedgerKind] = mapped_column(_enum(LedgerKind))
    stamps: Mapped[int] = mapped_column(Integer)  # signed delta
    cents: Mapped[int] = mapped_column(Integer, default=0)  # signed delta of the debit account
    memo: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str | None] = mapped_column(String(64))  # client_id of what caused it
    booked_at: Mapped[datetime]


class Hold(Base):
    """A pending stamp movement known only to this terminal so far.

    It resolves exactly once: PENDING -> POSTED (the server confirmed it) or
    PENDING -> VOIDED (refused or abandoned). Triggers enforce that.
    """

    __tablename__ = "holds"
    __table_args__ = (CheckConstraint("stamps >= 0 AND cents >= 0", name="amounts_nonneg"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32), unique=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[HoldKind] = mapped_column(_enum(HoldKind))
    stamps: Mapped[int] = mapped_column(Integer)  # magnitude
    cents: Mapped[int] = mapped_column(Integer, default=0)  # price of a purchase
    product_id: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    state: Mapped[HoldState] = mapped_column(_enum(HoldState), default=HoldState.PENDING)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class DebitSnapshot(Base):
    """The debit (trust) account balance as last confirmed by the server."""

    __tablename__ = "debit_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    cents: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime]


class FacilityPolicy(Base):
    """The facility's policy as last received; one row per facility."""

    __tablename__ = "facility_policy"

    facility_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # validated by kiosk.policy
    received_at: Mapped[datetime]


class OutboxItem(Base):
    """A change the server must learn of, written with the change (transactional outbox).

    ``id`` is the push ``seq``, taken from :class:`PushSequence` when the row is
    added, so it never goes back (not on a wipe, nor a restore: unsent rows are
    renumbered past the server's mark). ``idempotency_key`` is minted at enqueue
    and never changes, so every retry is recognised by the server.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the resident's proof (protocol 1.4), made when the item was queued; None: none needed
    proof: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    depends_on: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    state: Mapped[OutboxState] = mapped_column(_enum(OutboxState), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: 5xx answers to this item sent alone (``kiosk.outbox.count_server_error``)
    server_errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class PushSequence(Base):
    """The last push ``seq`` this device handed out (one row, ``id`` 1).

    Kept apart from the outbox so it never goes back: a wipe empties the outbox
    but not this row. A restored backup holds an older value; the server's
    ``sequence_regressed`` answer names its mark and ``kiosk.outbox`` jumps past it.
    ``server_mark``, ``jumps`` and ``jumped_at``: the last such jump, for IT.
    """

    __tablename__ = "push_sequence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    server_mark: Mapped[int | None] = mapped_column(Integer)
    jumps: Mapped[int] = mapped_column(Integer, default=0)
    jumped_at: Mapped[datetime | None]


class SyncCursor(Base):
    """Where the pull left off in the server's change feed."""

    __tablename__ = "sync_cursor"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime]


class DeviceState(Base):
    """This terminal's identity (the credential itself lives in the OS keyring)."""

    __tablename__ = "device"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEvent(Base):
    """One resident action, chained by hash to the one before it.

    ``hash = sha256(prev_hash || canonical(seq, at, resident_id, action, details))``.
    Details never hold message bodies or PINs.
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    resident_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
