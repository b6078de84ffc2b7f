"""Resident sign-in through the server: the :class:`kiosk.auth.Authenticator` kiosk accepts.

Outcomes follow the contract in ``kiosk/auth.py``: a profile,
``Refusal('invalid_credentials')``, ``Refusal('account_locked', until=...)``,
``Refusal('throttled', seconds=N)`` when the server answered 429 (the resident
waits N seconds; the cached verifier is not tried: the server answered, and its
limit on PIN guesses must hold), ``Refusal('clock_wrong')`` when the server
refused this terminal's clock (``clock_skew``: IT must set it; the cached
verifier is not tried either), or :class:`kiosk.auth.RemoteUnavailable` for
anything that is not the server's answer about this PIN (offline, 5xx, an
answer that cannot be read, whatever the failure, a device that is not
enrolled or was revoked), so that sign-in falls back to the cached offline
verifier.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime

from kiosk.auth import ItemSigner, RemoteUnavailable, ResidentProfile
from kiosk.errors import Refusal
from sync import proofs
from sync.client import SyncClient
from sync.errors import ClockSkewed, InvalidResponse, RequestRefused, SyncError, Throttled
from sync.protocol import SignInResponse
from sync.validation import parse_answer

log = logging.getLogger(__name__)

#: The wait a resident is told when the server throttles without saying how long.
DEFAULT_THROTTLE_WAIT_S = 30


class OnlineAuthenticator:
    """Checks a facility number and PIN with ``POST /v1/sign-in``."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client

    def authenticate(self, facility_number: str, pin: str) -> ResidentProfile:
        try:
            raw = self.client.request_bytes(
                "POST", "/v1/sign-in", body={"facility_number": facility_number, "pin": pin}
            )
        except RequestRefused as exc:
            if exc.code == "account_locked":
                raise Refusal("account_locked", until=_until(exc.params.get("until"))) from None
            if exc.code in ("invalid_credentials", "invalid_request"):
                # A malformed number or PIN is as wrong as an unknown one; say the same.
                raise Refusal("invalid_credentials") from None
            log.warning("sign-in refused by the server: %s", exc)
            raise RemoteUnavailable(str(exc)) from exc
        except Throttled as exc:
            # The server answered: it is not offline, and the cached verifier must not
            # become a way around its limit on PIN guesses. The resident waits.
            raise Refusal("throttled", seconds=_wait_s(exc.retry_after)) from None
        except ClockSkewed as exc:
            # The server answered too: this terminal's clock is wrong. Not "offline", and not
            # the cached verifier either (its limits hold only if the server's do): IT must
            # set the clock, and the resident is told to ask for that.
            log.warning("sign-in refused: %s", exc)
            raise Refusal("clock_wrong") from None
        except SyncError as exc:
            raise RemoteUnavailable(str(exc)) from exc
        except Exception as exc:  # a broken answer must never crash sign-in
            log.exception("sign-in request failed")
            raise RemoteUnavailable(f"sign-in request failed: {exc!r}") from exc
        try:
            answer = parse_answer(raw, SignInResponse, "sign-in answer")
        except InvalidResponse as exc:
            log.warning("sign-in answer refused: %s", exc)
            raise RemoteUnavailable(str(exc)) from None
        resident = answer.resident
        return ResidentProfile(
            resident_id=resident.resident_id,
            facility_number=resident.facility_number,
            display_name=resident.display_name,
            housing_unit=resident.housing_unit,
            language=resident.language,
            restricted_until=resident.restricted_until,
            restriction_reason=resident.restriction_reason,
            offline_verifier=answer.offline_verifier,
            proof_salt=answer.proof_salt,
            contacts=tuple(contact.model_dump(mode="json") for contact in answer.contacts),
            signer=None if answer.session is None else proofs.session_signer(answer.session),
        )

    def offline_signer(self, proof_salt: str, pin: str) -> ItemSigner | None:
        return proofs.offline_signer(proof_salt, pin)


def _wait_s(retry_after: float | None) -> int:
    """Whole seconds to wait (at least 1), from the server's Retry-After if it gave one."""
    if retry_after is None:
        return DEFAULT_THROTTLE_WAIT_S
    return max(1, math.ceil(retry_after))


def _until(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None
