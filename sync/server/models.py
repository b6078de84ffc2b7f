"""The central server's tables (SQLAlchemy 2 typed models).

Balances live on the resident row (``stamps``, ``debit_cents``) with CHECK
constraints that they never go negative; every change of them is also a
:class:`LedgerEntry`. The change feed is :class:`FeedRow`, numbered by
:class:`FeedHead` (see ``sync.server.feed`` for why).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC, handed back aware in UTC (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the server database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: UTCDateTime(),
    }


class Facility(Base):
    __tablename__ = "facilities"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)  # a PolicyDocument


class HousingUnit(Base):
    """A housing unit; its ID is the facility's own (``unit-a`` may exist in every facility)."""

    __tablename__ = "housing_units"

    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))


class Resident(Base):
    __tablename__ = "residents"
    __table_args__ = (
        CheckConstraint("stamps >= 0", name="stamps_nonneg"),
        CheckConstraint("debit_cents >= 0", name="debit_nonneg"),
        UniqueConstraint("facility_id", "facility_number", name="uq_residents_number"),
        # What a contact's composite foreign key names: the resident *of that facility*.
        UniqueConstraint("facility_id", "id", name="uq_residents_facility_resident"),
        # The unit is looked up in the resident's own facility: it cannot be another's.
        ForeignKeyConstraint(
            ["facility_id", "housing_unit_id"],
            ["housing_units.facility_id", "housing_units.id"],
            name="fk_residents_unit_housing_units",
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    facility_number: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(128))
    housing_unit_id: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    pin_hash: Mapped[str] = mapped_column(String(256))  # argon2id, the server's own
    offline_verifier: Mapped[str] = mapped_column(String(256))  # argon2id, its own salt
    restricted_until: Mapped[datetime | None]
    restriction_reason: Mapped[str | None] = mapped_column(String(500))
    stamps: Mapped[int] = mapped_column(Integer, default=0)
    debit_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class FamilyAccount(Base):
    """A family's account, at one facility (a family with relatives in two has two)."""

    __tablename__ = "family_accounts"
    __table_args__ = (UniqueConstraint("facility_id", "id", name="uq_family_accounts_facility"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(128))
    spent_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # charged to their card


class ApiToken(Base):
    """A staff or family bearer token (stored as its SHA-256)."""

    __tablename__ = "api_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # staff | family
    facility_id: Mapped[str | None] = mapped_column(ForeignKey("facilities.id"))
    family_id: Mapped[str | None] = mapped_column(ForeignKey("family_accounts.id"))
    label: Mapped[str] = mapped_column(String(128), default="")


class Contact(Base):
    """A resident's contact: a family of the resident's own facility (the keys say so)."""

    __tablename__ = "contacts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["facility_id", "resident_id"],
            ["residents.facility_id", "residents.id"],
            name="fk_contacts_resident_residents",
        ),
        ForeignKeyConstraint(
            ["facility_id", "family_id"],
            ["family_accounts.facility_id", "family_accounts.id"],
            name="fk_contacts_family_family_accounts",
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    resident_id: Mapped[str] = mapped_column(String(64), index=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    display_name: Mapped[str] = mapped_column(String(128))
    relationship: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16))  # pending|approved|blocked|suspended
    accepts_cod: Mapped[bool] = mapped_column(Boolean, default=False)
    state_reason: Mapped[str | None] = mapped_column(String(500))  # staff's words (1.8)


class Message(Base):
    """A message in either direction, with its review state.

    Inbound (family -> resident) ``status``: pending_review, approved, rejected.
    Outbound (resident -> family): pending_review, delivered, rejected,
    awaiting_payment (COD), opened.
    """

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_review", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(16))  # inbound | outbound
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    reviewed_at: Mapped[datetime | None]
    written_at: Mapped[datetime | None]  # outbound: the writing terminal's own time (1.6)
    # inbound
    has_return_stamp: Mapped[bool] = mapped_column(Boolean, default=False)
    return_stamp_used: Mapped[bool] = mapped_column(Boolean, default=False)
    read_at: Mapped[datetime | None]
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # outbound
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    device_id: Mapped[str | None] = mapped_column(String(64))
    payment: Mapped[str | None] = mapped_column(String(16))
    stamps: Mapped[int] = mapped_column(Integer, default=0)
    in_reply_to: Mapped[str | None] = mapped_column(ForeignKey("messages.id"))


class Media(Base):
    __tablename__ = "media"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    caption: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FamilyCharge(Base):
    """One charge to a family's card, or its refund (append-only; ``spent_cents`` sums them).

    ``kind``: ``return_stamp`` (a stamp sent with a message for the reply),
    ``transfer`` (stamps given), ``cod_open`` (a COD reply paid for), ``refund`` (the
    return stamp of a message staff rejected, when the policy refunds). ``reference``
    names what it was for: the message, or the transfer's idempotency key.
    """

    __tablename__ = "family_charges"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(ForeignKey("family_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    cents: Mapped[int] = mapped_column(BigInteger)  # negative for a refund
    reference: Mapped[str] = mapped_column(String(64), index=True)
    booked_at: Mapped[datetime]


class LedgerEntry(Base):
    """One booked change of a resident's stamps and/or debit cents (append-only)."""

    __tablename__ = "ledger_entries"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    stamps: Mapped[int] = mapped_column(Integer)
    cents: Mapped[int] = mapped_column(BigInteger, default=0)
    memo: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str | None] = mapped_column(String(64))
    booked_at: Mapped[datetime]


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    name: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))  # pending | approved | revoked
    code_hash: Mapped[str] = mapped_column(String(64))
    collected: Mapped[bool] = mapped_column(Boolean, default=False)
    housing_units: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"ids": [...]}
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    requested_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]


class DeviceCredential(Base):
    """A device credential, stored as its SHA-256 (it is 256 random bits: no slow hash needed)."""

    __tablename__ = "device_credentials"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # active | next | retired
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class CredentialRetirement(Base):
    """Why and when a device credential stopped working, when a rotation retired it.

    ``rotated``: its successor (issued by ``POST /v1/device/rotate``) was used, so it was
    rotated out; ``superseded``: it was issued by a rotation but never used before a
    later rotation replaced it. Using either again means someone else holds a copy
    (``sync.server.rotation``). Credentials retired otherwise (approval again,
    revocation) have no row. A table of its own so that an older database needs no
    migration.
    """

    __tablename__ = "credential_retirements"

    token_hash: Mapped[str] = mapped_column(
        ForeignKey("device_credentials.token_hash"), primary_key=True
    )
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    why: Mapped[str] = mapped_column(String(16))  # rotated | superseded
    retired_at: Mapped[datetime]


class DeviceSuspension(Base):
    """A device suspended because a credential it had rotated out was used again.

    While the row exists no credential of the device works (``403 device_suspended``);
    approving the device again (a new enrollment, by the code on its screen) deletes it.
    """

    __tablename__ = "device_suspensions"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    suspended_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(64))
    #: When the reused credential had been retired, and how (``rotated``/``superseded``).
    credential_retired_at: Mapped[datetime]
    credential_why: Mapped[str] = mapped_column(String(16))


class EnrollmentSecret(Base):
    """The SHA-256 of the collection secret of a device's enrollment (protocol 1.3).

    Only whoever sends the secret may renew the request or collect the credential.
    A table of its own so that a database made before 1.3 needs no migration: a
    device without a row here is held by no one.
    """

    __tablename__ = "enrollment_secrets"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))


class EnrollmentAttempt(Base):
    """One enrollment request that made or replaced a pending device: the per-address rate."""

    __tablename__ = "enrollment_attempts"
    __table_args__ = (Index("ix_enrollment_attempts_address", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Dedupe(Base):
    """The permanent record of an idempotency key and the answer first given for it."""

    __tablename__ = "dedupe"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))  # device:<id>, family:<id>, staff:<id>
    kind: Mapped[str] = mapped_column(String(96))  # item kind, or e.g. family_open:<message id>
    payload_hash: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # accepted | rejected
    reason: Mapped[str | None] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]


class AuditRecord(Base):
    __tablename__ = "audit_records"
    __table_args__ = (UniqueConstraint("device_id", "seq", name="uq_audit_device_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime]
    resident_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    chain_ok: Mapped[bool] = mapped_column(Boolean, default=True)


class FeedHead(Base):
    """The one row whose lock serializes feed writers (see sync.server.feed)."""

    __tablename__ = "feed_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class FeedRow(Base):
    """One change, addressed to an audience.

    ``facility:<id>``, ``unit:<facility>/<unit>`` (unit IDs are per facility) or ``device:<id>``.
    """

    __tablename__ = "feed"
    __table_args__ = (Index("ix_feed_audience_seq", "audience", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    audience: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)  # the change's data, serialized once at write
    created_at: Mapped[datetime]
