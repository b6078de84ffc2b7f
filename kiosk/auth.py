"""The contract between sign-in and whoever verifies a PIN online (the sync side).

The sync client implements :class:`Authenticator` over ``POST /v1/sign-in``;
the core never imports it, it receives one. Outcomes:

- a :class:`ResidentProfile` (with the offline verifier to cache),
- ``Refusal('invalid_credentials')`` (also for an unknown facility number),
- ``Refusal('account_locked', until=<aware datetime>)``,
- ``Refusal('throttled', seconds=<int>)``: the server answered and asked to
  wait; sign-in refuses without trying the cached verifier,
- ``Refusal('clock_wrong')``: the server refused this terminal's clock; sign-in
  refuses without trying the cached verifier, and the resident is told to get IT,
- :class:`RemoteUnavailable` when the server cannot be reached or answered
  with a transient failure: sign-in then falls back to the cached verifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kiosk.errors import KiteError


class RemoteUnavailable(KiteError):
    """The server could not answer now (offline, timeout, 5xx, an answer that cannot be read)."""


@dataclass(frozen=True)
class ResidentProfile:
    """What the server says about a resident who signed in successfully."""

    resident_id: str
    facility_number: str
    display_name: str
    housing_unit: str = ""
    language: str = "en"
    restricted_until: datetime | None = None
    restriction_reason: str | None = None
    offline_verifier: str | None = None  # kiosk.pin format; None: no offline sign-in


class Authenticator(Protocol):
    """Verifies a facility number and PIN with the server."""

    def authenticate(self, facility_number: str, pin: str) -> ResidentProfile:
        """Return the profile, or raise Refusal / RemoteUnavailable (see module doc)."""
        ...
