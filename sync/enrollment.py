"""Enrolling this terminal: device ID and one-time code, IT approval, credential in the keyring.

The device ID is minted once and kept in the store (``kiosk.device``; it is
not a secret). The one-time code (shown, and in the QR code: staff approve by
confirming it) and the collection secret (never shown: only its holder renews
the request or collects the credential) live in the keyring until the
credential is collected, so a restart mid-enrollment shows IT the same code
again and can still collect. Both
``kite-admin enroll`` and the UI's enrollment screen use these functions.
"""

from __future__ import annotations

import io
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

import qrcode
from pydantic import ValidationError

from kiosk import device
from kiosk.clock import Clock, utcnow
from kiosk.config import Settings
from kiosk.store.database import Store
from sync.client import SyncClient
from sync.credentials import CredentialStore
from sync.errors import InvalidResponse, Throttled
from sync.protocol import EnrollResponse
from sync.validation import describe_validation_error

log = logging.getLogger(__name__)

# No 0/O/1/I/L: IT may have to read the code aloud or type it.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10

EnrollOutcome = Literal["pending", "approved", "revoked"]


@dataclass(frozen=True)
class EnrollmentTicket:
    """What IT needs to approve this device."""

    device_id: str
    one_time_code: str
    facility_id: str
    device_name: str

    def qr_payload(self) -> str:
        """The text inside the QR code: a ``kite-enroll:`` URI with all four fields."""
        query = urlencode(
            {
                "device": self.device_id,
                "code": self.one_time_code,
                "facility": self.facility_id,
                "name": self.device_name,
            }
        )
        return f"kite-enroll:?{query}"


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _secret(credentials: CredentialStore) -> str:
    """This enrollment's collection secret (256 random bits), minted and kept on first use."""
    secret = credentials.collection_secret()
    if not secret:
        secret = secrets.token_urlsafe(32)
        credentials.store_collection_secret(secret)
    return secret


def device_id(store: Store, clock: Clock = utcnow, restored: str | None = None) -> str:
    """This device's ID, minted (or ``restored``, see ``kiosk.device``) and stored on first use."""
    with store.write() as session:
        return device.ensure_device_id(session, restored)


def is_enrolled(credentials: CredentialStore) -> bool:
    return bool(credentials.credential())


def begin(
    store: Store, client: SyncClient, credentials: CredentialStore, settings: Settings
) -> EnrollmentTicket:
    """Ask the server to enroll this device (idempotent: the same code until collected)."""
    code = credentials.enrollment_code()
    if not code:
        code = new_code()
        credentials.store_enrollment_code(code)
    secret = _secret(credentials)
    ticket = EnrollmentTicket(
        device_id=device_id(store),
        one_time_code=code,
        facility_id=settings.facility_id,
        device_name=settings.device_name or "kite-terminal",
    )
    answer = _validated(
        client.enroll(ticket.device_id, code, secret, ticket.facility_id, ticket.device_name)
    )
    log.info("enrollment requested for %s: %s", ticket.device_id, answer.state)
    return ticket


def collect(
    ticket: EnrollmentTicket,
    store: Store,
    client: SyncClient,
    credentials: CredentialStore,
    clock: Clock = utcnow,
) -> EnrollOutcome:
    """Ask whether IT approved; on approval keep the credential and forget the code."""
    answer = _validated(client.collect(ticket.device_id, _secret(credentials)))
    if answer.state == "approved":
        if not answer.credential:
            raise InvalidResponse("the server approved the device but sent no credential")
        credentials.store_credential(answer.credential)
        # No time for it: the first sync round rotates it (it came over the enrollment
        # path, which staff and logs may have seen), then the schedule does.
        credentials.forget_credential_since()
        credentials.forget_enrollment_code()
        credentials.forget_collection_secret()
        with store.write() as session:
            device.mark_enrolled(session, ticket.device_id, clock())
    return answer.state


def wait_for_approval(
    ticket: EnrollmentTicket,
    store: Store,
    client: SyncClient,
    credentials: CredentialStore,
    *,
    interval_s: float = 3.0,
    timeout_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Clock = utcnow,
) -> EnrollOutcome:
    """Poll :func:`collect` until approved or revoked (or ``timeout_s`` passes: pending).

    A throttled poll (429) is not a failure: the next one waits as long as the
    server asked, at least ``interval_s``.
    """
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        wait = interval_s
        try:
            outcome = collect(ticket, store, client, credentials, clock)
        except Throttled as exc:
            log.info("enrollment check throttled; waiting %s s", exc.retry_after)
            outcome = "pending"
            wait = max(interval_s, exc.retry_after or 0.0)
        if outcome != "pending":
            return outcome
        if deadline is not None and time.monotonic() >= deadline:
            return "pending"
        sleep(wait)


class SyncEnrollment:
    """Enrollment as the first-start screen drives it: :func:`begin` and :func:`collect`,
    bound to this terminal's store, client, credentials and settings."""

    def __init__(
        self,
        store: Store,
        client: SyncClient,
        credentials: CredentialStore,
        settings: Settings,
        *,
        clock: Clock = utcnow,
    ) -> None:
        self._store = store
        self._client = client
        self._credentials = credentials
        self._settings = settings
        self._clock = clock

    def begin(self) -> EnrollmentTicket:
        return begin(self._store, self._client, self._credentials, self._settings)

    def collect(self, ticket: EnrollmentTicket) -> EnrollOutcome:
        """``pending``, ``approved`` or ``revoked``."""
        return collect(ticket, self._store, self._client, self._credentials, self._clock)


def qr_text(payload: str) -> str:
    """The QR code drawn with text characters, for a terminal window."""
    code = qrcode.QRCode(border=1)
    code.add_data(payload)
    code.make(fit=True)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()


def _validated(raw: object) -> EnrollResponse:
    try:
        return EnrollResponse.model_validate(raw)
    except ValidationError as exc:
        problems = describe_validation_error(exc)
        raise InvalidResponse(f"enrollment answer failed validation: {problems}") from None
