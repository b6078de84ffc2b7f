"""A realistic small facility for the domain-service tests, built through public APIs.

Residents, contacts, inbound messages, ledger entries and the policy arrive
the way they do in production: as server changes applied by
:func:`kiosk.feed.apply_page` to a real SQLite store. The only stand-ins are
the clock (moved by hand) and the server's sign-in endpoint (a directory of
PINs implementing :class:`kiosk.auth.Authenticator`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher, Type

from kiosk import feed
from kiosk.auth import RemoteUnavailable, ResidentProfile
from kiosk.clock import server_time
from kiosk.config import Settings
from kiosk.core import Core
from kiosk.errors import Refusal
from kiosk.store.database import Store

START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday

# The verifiers a test server hands out: the production format (Argon2id PHC, which carries
# its own costs) at the test server's cheap costs (tests.server.live.TEST_ENV).
# kiosk.pin's own costs are tested in test_pin.py.
CHEAP_VERIFIERS = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)


class MovableClock:
    """The core's clock, moved by the test."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Directory:
    """The server's sign-in endpoint as the terminal sees it: PINs, and whether it answers."""

    pins: dict[str, tuple[str, ResidentProfile]] = field(default_factory=dict)
    online: bool = True
    calls: int = 0

    def authenticate(self, facility_number: str, pin_code: str) -> ResidentProfile:
        self.calls += 1
        if not self.online:
            raise RemoteUnavailable("server unreachable")
        known = self.pins.get(facility_number)
        if known is None or known[0] != pin_code:
            raise Refusal("invalid_credentials")
        return known[1]


class World:
    """One facility's terminal: store, clock, settings, and builders that go through the feed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = MovableClock()
        self.settings = Settings(facility_id="demo", mode="kiosk")
        self.directory = Directory()
        self._cursor = itertools.count(1)
        self._ids = itertools.count(1)
        self.resident_language = "es"  # what a resident's record says unless told otherwise

    # -- the server's change feed -------------------------------------------------
    def feed(self, *changes: tuple[str, dict[str, Any]]) -> int:
        page = [{"cursor": str(next(self._cursor)), "kind": k, "data": d} for k, d in changes]
        return feed.apply_page(self.store, page, page[-1]["cursor"], self.clock())

    def policy(self, **overrides: Any) -> None:
        document: dict[str, Any] = {
            "facility_id": "demo",
            "stamp_products": [
                {"product_id": "single", "name": "One stamp", "stamps": 1, "price_cents": 50},
                {"product_id": "book10", "name": "Book of 10", "stamps": 10, "price_cents": 450},
            ],
            "stamps_per_message": 1,
            "max_message_chars": 30000,
            "refund_on_reject": True,
            "cod_allowed": False,
            "hours": [],
            "timezone": "America/Chicago",
            "session_cap_s": 1800,
            "idle_kiosk_s": 120,
            "idle_tablet_s": 300,
            "idle_warning_s": 20,
            "lockout_attempts": 5,
            "lockout_minutes": 15,
            "messaging_suspended": False,
            "suspended_reason": None,
        }
        document.update(overrides)
        self.feed(("policy", document))

    def resident(
        self,
        resident_id: str = "r1",
        number: str = "A1001",
        name: str = "Ana Ruiz",
        pin_code: str | None = "2468",
        cache_verifier: bool = True,
        language: str | None = None,
        **extra: Any,
    ) -> ResidentProfile:
        language = language or self.resident_language
        data = {
            "resident_id": resident_id,
            "facility_number": number,
            "display_name": name,
            "housing_unit": "B-2",
            "language": language,
            "restricted_until": None,
            "restriction_reason": None,
            **extra,
        }
        self.feed(("resident", data))
        profile = ResidentProfile(
            resident_id=resident_id,
            facility_number=number,
            display_name=name,
            housing_unit="B-2",
            language=language,
            restricted_until=(
                None if data["restricted_until"] is None else server_time(data["restricted_until"])
            ),
            restriction_reason=data["restriction_reason"],
            offline_verifier=(
                CHEAP_VERIFIERS.hash(pin_code) if pin_code and cache_verifier else None
            ),
        )
        if pin_code is not None:
            self.directory.pins[number] = (pin_code, profile)
        return profile

    def contact(
        self,
        contact_id: str = "c1",
        resident_id: str = "r1",
        state: str = "approved",
        accepts_cod: bool = False,
        name: str = "Maria",
    ) -> None:
        self.feed(
            (
                "contact",
                {
                    "contact_id": contact_id,
                    "resident_id": resident_id,
                    "display_name": name,
                    "relationship": "sister",
                    "state": state,
                    "accepts_cod": accepts_cod,
                },
            )
        )

    def inbound_data(
        self,
        contact_id: str = "c1",
        resident_id: str = "r1",
        body: str = "Hola, how are you?",
        return_stamp: bool = False,
        at: datetime | None = None,
        message_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "message_id": message_id or f"m{next(self._ids)}",
            "resident_id": resident_id,
            "contact_id": contact_id,
            "body": body,
            "media": [],
            "has_return_stamp": return_stamp,
            "approved_at": (at or self.clock()).isoformat(),
        }

    def inbound(self, **kwargs: Any) -> str:
        data = self.inbound_data(**kwargs)
        self.feed(("message", data))
        return str(data["message_id"])

    def ledger(
        self,
        stamps: int,
        kind: str = "transfer_in",
        resident_id: str = "r1",
        cents: int = 0,
        reference: str | None = None,
        entry_id: str | None = None,
    ) -> str:
        entry_id = entry_id or f"e{next(self._ids)}"
        self.feed(
            ("ledger_entry", self.entry(stamps, kind, resident_id, cents, reference, entry_id))
        )
        return entry_id

    def entry(
        self,
        stamps: int,
        kind: str = "transfer_in",
        resident_id: str = "r1",
        cents: int = 0,
        reference: str | None = None,
        entry_id: str | None = None,
    ) -> dict[str, Any]:
        return {
            "entry_id": entry_id or f"e{next(self._ids)}",
            "resident_id": resident_id,
            "kind": kind,
            "stamps": stamps,
            "cents": cents,
            "memo": kind,
            "reference": reference,
            "booked_at": self.clock().isoformat(),
        }

    def debit(self, cents: int, resident_id: str = "r1") -> None:
        self.feed(
            (
                "debit_balance",
                {"resident_id": resident_id, "cents": cents, "as_of": self.clock().isoformat()},
            )
        )

    # -- the screens' side -------------------------------------------------------------
    def core(self) -> Core:
        return Core(self.store, self.settings, self.clock, self.directory)

    def signed_in(self, number: str = "A1001", pin_code: str = "2468") -> Core:
        core = self.core()
        core.sign_in(number, pin_code)
        return core


@pytest.fixture
def world(store: Store) -> World:
    """A facility with one resident (r1, A1001, PIN 2468) and one approved contact (c1)."""
    built = World(store)
    built.policy()
    built.resident()
    built.contact()
    return built
