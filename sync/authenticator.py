"""Resident sign-in through the server: the :class:`kiosk.auth.Authenticator` kiosk accepts.

Outcomes follow the contract in ``kiosk/auth.py``: a profile,
``Refusal('invalid_credentials')``, ``Refusal('account_locked', until=...)``,
or :class:`kiosk.auth.RemoteUnavailable` for anything that is not the server's
answer about this PIN (offline, 5xx, throttled, a malformed answer, a device
that is not enrolled or was revoked), so that sign-in falls back to the cached
offline verifier.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import ValidationError

from kiosk.auth import RemoteUnavailable, ResidentProfile
from kiosk.errors import Refusal
from sync.client import SyncClient
from sync.errors import RequestRefused, SyncError
from sync.protocol import SignInResponse
from sync.validation import describe_validation_error

log = logging.getLogger(__name__)


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
        except SyncError as exc:
            raise RemoteUnavailable(str(exc)) from exc
        try:
            answer = SignInResponse.model_validate_json(raw)
        except ValidationError as exc:
            problems = describe_validation_error(exc)
            log.warning("sign-in answer failed validation: %s", problems)
            raise RemoteUnavailable(
                f"the server's sign-in answer failed validation: {problems}"
            ) from None
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
        )


def _until(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else None
    return None
