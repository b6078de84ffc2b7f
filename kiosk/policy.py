"""The facility policy document: validation, defaults, the cached copy, hours of service.

The server sends the document (``docs/protocol.md``, "Facility policy
document"); the terminal validates it strictly (no coercion, unknown fields
refused), caches it in ``facility_policy`` and uses defaults until the first
one arrives.

Defaults follow the design brief, with one deliberate change: the idle
warning is **20 s**, not 15 s. WCAG 2.2 success criterion 2.2.1 (Timing
Adjustable) asks that a user be warned and given at least 20 seconds to extend
a time limit with a simple action; 15 s would fail it. A document that says
less (the wire allows 5-300 s) is accepted as sent, so a valid policy is
never refused, and :attr:`Policy.warning_s` raises the warning actually given
to 20 s.

Bounds match the wire model (``sync/protocol/policy.py``): whatever the
server may validly send, this model accepts.

Hours of service are wall-clock times in the facility's time zone
(``zoneinfo``); an empty list means no hours are configured: always open.
A window's ``closes`` may be ``24:00`` (end of day); windows do not cross midnight
(a night window is two windows, one per day).
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from functools import cached_property
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.clock import as_utc
from kiosk.store.models import FacilityPolicy

WCAG_MIN_WARNING_S = 20
MAX_STAMPS = 1_000_000
HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class StampProductDoc(_Strict):
    """A stamp product on sale: one stamp or a book of them, at a price in cents."""

    product_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=128)
    stamps: int = Field(ge=1, le=1000)
    price_cents: int = Field(ge=0, le=100_000_000)


class OpeningHours(_Strict):
    """One window of service on one weekday (0 = Monday ... 6 = Sunday)."""

    weekday: int = Field(ge=0, le=6)
    opens: HHMM
    closes: HHMM

    @model_validator(mode="after")
    def _opens_before_closes(self) -> OpeningHours:
        if self.closes != "24:00" and self.closes <= self.opens:
            raise ValueError(f"closes {self.closes} must be after opens {self.opens}")
        return self

    def bounds_on(self, day: datetime) -> tuple[datetime, datetime]:
        """The window's opening and closing instants on ``day``'s date (same zone)."""
        opens = datetime.combine(day.date(), _parse(self.opens), tzinfo=day.tzinfo)
        if self.closes == "24:00":
            closes = datetime.combine(day.date() + timedelta(days=1), time(0), tzinfo=day.tzinfo)
        else:
            closes = datetime.combine(day.date(), _parse(self.closes), tzinfo=day.tzinfo)
        return opens, closes


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


class Policy(_Strict):
    """A facility's rules for its terminals, as the server sent them (or the defaults)."""

    facility_id: str = Field(default="demo", min_length=1, max_length=64)
    stamp_products: tuple[StampProductDoc, ...] = Field(default=(), max_length=50)
    stamps_per_message: int = Field(default=1, ge=0, le=MAX_STAMPS)
    max_message_chars: int = Field(default=30_000, ge=1, le=30_000)
    refund_on_reject: bool = True
    cod_allowed: bool = False
    hours: tuple[OpeningHours, ...] = Field(default=(), max_length=70)
    timezone: str = Field(default="UTC", min_length=1, max_length=64)
    session_cap_s: int = Field(default=30 * 60, ge=60, le=24 * 3600)
    idle_kiosk_s: int = Field(default=120, ge=15, le=3600)
    idle_tablet_s: int = Field(default=300, ge=15, le=3600)
    idle_warning_s: int = Field(default=WCAG_MIN_WARNING_S, ge=5, le=300)
    lockout_attempts: int = Field(default=5, ge=1, le=100)
    lockout_minutes: int = Field(default=15, ge=1, le=7 * 24 * 60)
    messaging_suspended: bool = False
    suspended_reason: str | None = Field(default=None, max_length=500)
    # How many days the service keeps a message (1.7); None: the facility has not said.
    retention_days: int | None = Field(default=None, ge=1, le=36_500)
    # What the recipient of a COD reply pays to open it (1.8); None: the server did not say.
    cod_price_cents: int | None = Field(default=None, ge=0, le=100_000)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("stamp_products")
    @classmethod
    def _unique_products(cls, value: tuple[StampProductDoc, ...]) -> tuple[StampProductDoc, ...]:
        ids = [p.product_id for p in value]
        if len(ids) != len(set(ids)):
            raise ValueError("product_id values must be unique")
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def product(self, product_id: str) -> StampProductDoc | None:
        return next((p for p in self.stamp_products if p.product_id == product_id), None)

    @property
    def warning_s(self) -> int:
        """The idle warning actually given: the policy's, but never under 20 s (WCAG 2.2.1)."""
        return max(self.idle_warning_s, WCAG_MIN_WARNING_S)

    def idle_timeout_s(self, mode: str) -> int:
        """Idle time for this terminal's mode (``kiosk`` or ``tablet``)."""
        return self.idle_tablet_s if mode == "tablet" else self.idle_kiosk_s

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` falls inside a window of service (always, with no hours)."""
        if not self.hours:
            return True
        local = as_utc(now).astimezone(self.zone)
        for window in self.hours:
            if window.weekday != local.weekday():
                continue
            opens, closes = window.bounds_on(local)
            if opens <= local < closes:
                return True
        return False

    def closing_time(self, now: datetime) -> datetime | None:
        """When the service that is open at ``now`` ends, in UTC; None if closed or no hours.

        Back-to-back windows (Monday until 24:00, Tuesday from 00:00) are one stretch
        of service: the answer is the end of the last of them.
        """
        if not self.hours or not self.is_open(now):
            return None
        local = as_utc(now).astimezone(self.zone)
        for _ in range(len(self.hours) + 1):  # each window can extend the stretch once
            ends = [
                closes
                for window in self.hours
                if window.weekday == local.weekday()
                for opens, closes in [window.bounds_on(local)]
                if opens <= local < closes
            ]
            if not ends:
                break
            local = max(ends)
            if not self.is_open(local):
                break
        return as_utc(local)

    def next_opening(self, now: datetime) -> datetime | None:
        """When service next begins, in UTC: ``now`` itself if open; None if no hours."""
        if not self.hours:
            return None
        if self.is_open(now):
            return as_utc(now)
        local = as_utc(now).astimezone(self.zone)
        candidates: list[datetime] = []
        for offset in range(8):
            day = local + timedelta(days=offset)
            for window in self.hours:
                if window.weekday != day.weekday():
                    continue
                opens, _ = window.bounds_on(day)
                if opens > local:
                    candidates.append(opens)
            if candidates:
                break
        return as_utc(min(candidates)) if candidates else None


DEFAULT_POLICY = Policy()


def parse_policy(document: dict[str, Any]) -> Policy:
    """Validate a policy document; raises pydantic's ValidationError naming each bad field.

    The document comes from JSON, so lists stand for the tuples above.
    """
    return Policy.model_validate_json(json.dumps(document))


def load_policy(session: Session, facility_id: str) -> Policy:
    """The cached policy of ``facility_id``, or the defaults if none arrived yet."""
    row = session.get(FacilityPolicy, facility_id)
    if row is None:
        return DEFAULT_POLICY.model_copy(update={"facility_id": facility_id})
    return parse_policy(row.document)


def any_policy(session: Session) -> Policy | None:
    """The one cached policy when the facility id is not at hand (a terminal serves one)."""
    row = session.scalars(
        select(FacilityPolicy).order_by(FacilityPolicy.received_at.desc())
    ).first()
    return None if row is None else parse_policy(row.document)


def save_policy(session: Session, document: dict[str, Any], now: datetime) -> Policy:
    """Validate and cache a policy document (replacing the previous one); returns it."""
    policy = parse_policy(document)
    stored = policy.model_dump(mode="json")
    row = session.get(FacilityPolicy, policy.facility_id)
    if row is None:
        session.add(
            FacilityPolicy(facility_id=policy.facility_id, document=stored, received_at=now)
        )
    else:
        row.document = stored
        row.received_at = now
    return policy
