"""The central server's records of sign-in: PIN guesses, resident sessions and proof keys.

Tables of :mod:`sync.server.models`' ``Base`` (``sync.server.db`` imports this module
before it creates the schema); kept apart because they are the sign-in's
(``sync.server.signin``, ``sync.server.proofs``), not the facility's data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sync.server.models import Base


class PinGuesses(Base):
    """Failed PIN guesses from one device at one facility number (known, foreign or unknown).

    This is the counter that throttles and locks: a lock here holds on this device
    only, so a stranger's guesses never lock a resident out of his own unit's devices.
    """

    __tablename__ = "pin_guesses"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    facility_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_allowed_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class ResidentSession(Base):
    """A resident's session on one device, opened by an online sign-in (protocol 1.4).

    ``key`` signs what the resident does there (``sync.protocol.proofs``); the
    terminal holds it in memory for the session only.
    """

    __tablename__ = "resident_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    resident_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))  # hex
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ResidentProofKey(Base):
    """A resident's offline proof key: argon2id of his PIN under ``salt`` (``proofs.ProofSalt``).

    Made at an online sign-in (the only time the server holds the PIN); ``pin_hash``
    is the PIN hash it was made under, so a changed PIN makes it stale.
    """

    __tablename__ = "resident_proof_keys"

    resident_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    salt: Mapped[str] = mapped_column(String(160))
    key: Mapped[str] = mapped_column(String(64))  # hex
    pin_hash: Mapped[str] = mapped_column(String(256))


class ResidentPinFailures(Base):
    """Failed guesses at one resident's PIN across the devices of his unit (the global cap)."""

    __tablename__ = "resident_pin_failures"

    resident_id: Mapped[str] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]


class DevicePinGuesses(Base):
    """Failed PIN guesses from one device, whoever they named, since it was last quiet.

    Past a free allowance the device waits between attempts; past a higher count it
    is flagged to staff (``flagged_at``, shown in ``GET /v1/staff/devices``).
    """

    __tablename__ = "device_pin_guesses"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None]
    next_allowed_at: Mapped[datetime | None]
    flagged_at: Mapped[datetime | None]
