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

What a resident does is signed with an :class:`ItemSigner` (the protocol's
resident proofs, ``docs/protocol.md``): the one an online sign-in returns (keyed
by the server's session), or one :meth:`Authenticator.offline_signer` makes from
the PIN after an offline sign-in. The core keeps it in the session, in memory
only, and never sees a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kiosk.errors import KiteError


class RemoteUnavailable(KiteError):
    """The server could not answer now (offline, timeout, 5xx, an answer that cannot be read)."""


class ItemSigner(Protocol):
    """Signs the outbox items of one resident's session (``sync.proofs`` implements it)."""

    @property
    def lifetime_s(self) -> int | None:
        """Seconds after sign-in at which the session must end (the server's); None: no end."""
        ...

    def sign(self, device_id: str, idempotency_key: str, kind: str, payload: Any) -> dict[str, Any]:
        """The wire ``proof`` of this item (``method``, ``mac``, ``session_id``)."""
        ...


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
    proof_salt: str | None = None  # for the offline proof key; cached with the verifier
    #: his contacts as the server holds them now (the feed's ``contact`` shape)
    contacts: tuple[Mapping[str, Any], ...] = ()
    signer: ItemSigner | None = None  # the server session's; None: the server opened none


class Authenticator(Protocol):
    """Verifies a facility number and PIN with the server."""

    def authenticate(self, facility_number: str, pin: str) -> ResidentProfile:
        """Return the profile, or raise Refusal / RemoteUnavailable (see module doc)."""
        ...

    def offline_signer(self, proof_salt: str, pin: str) -> ItemSigner | None:
        """The signer of an offline sign-in (slow: a key from the PIN); None if none can be made."""
        ...
