"""The terminal's HTTP client for the central server (``docs/protocol.md``).

One :class:`requests.Session` per client: connection reuse, TLS verified
against ``settings.ca_bundle`` (requests' default CA bundle when unset), an
optional client certificate, gzip-compressed answers, and the device credential
read from the keyring on every request (so a rotation or revocation takes
effect at once).

A kiosk trusts exactly what IT configured: the session does not read its
settings from the environment (``trust_env`` off), so ``REQUESTS_CA_BUNDLE``,
``CURL_CA_BUNDLE`` and ``~/.netrc`` change nothing. Proxies are the one
exception, on purpose: facility networks may only reach the central server
through one, so ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` are still
honoured, and TLS to the server is still verified against the configured CAs.

Every failure leaves as a typed exception from :mod:`sync.errors`; callers
decide between "retry later" (:class:`TransientError`) and "stop"
(:class:`PermanentError`). A 429 (or a 503 with Retry-After) is
:class:`Throttled`, carrying the wait the server asked for: the server
answered, so it is never taken for "unreachable". Answers come back as raw
bytes or decoded JSON, always read by :func:`sync.validation.loads_strict`
(bounded depth and size, no repeated keys) or :func:`sync.validation.parse_answer`;
validating them against ``sync.protocol`` is the caller's job, so that a page
is refused whole before anything of it is applied.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from kiosk.clock import Clock, utcnow
from kiosk.config import Settings
from kiosk.version import user_agent
from sync.clock_skew import ClockReading, describe_skew, from_date_header, from_refusal
from sync.errors import (
    ClockSkewed,
    CredentialRefused,
    CredentialRevoked,
    CredentialRotated,
    DeviceSuspended,
    InvalidResponse,
    NotEnrolled,
    ProtocolVersionMismatch,
    RequestRefused,
    ServerFailed,
    ServerUnreachable,
    Throttled,
)
from sync.protocol.common import (
    CLIENT_TIME_HEADER,
    MAX_WAIT_S,
    PROTOCOL_HEADER,
    PROTOCOL_MAJOR,
    PROTOCOL_VERSION,
    format_client_time,
)
from sync.validation import loads_strict

log = logging.getLogger(__name__)

# Error codes by which the server says the device itself is no longer trusted.
REVOKED_CODES = frozenset({"device_revoked"})
#: The server refuses the device's credential itself, not what the request carried.
CREDENTIAL_REFUSED_CODES = frozenset(
    {"unauthenticated", "credential_expired", "device_not_approved"}
)
MAX_RETRY_AFTER_S = 3600.0
# Far above the largest valid answer (a page of 1,000 long messages); a body past
# it is a hostile or broken server, refused before it fills the memory.
MAX_RESPONSE_BYTES = 256 * 1024 * 1024

CredentialSource = Callable[[], str | None]


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


class SyncClient:
    """Talks to one central server on behalf of this device."""

    def __init__(
        self,
        settings: Settings,
        credential: CredentialSource,
        *,
        session: requests.Session | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.settings = settings
        self.base_url = settings.server_url
        self._credential = credential
        self.clock = clock
        #: The last skew seen between this terminal's clock and the server's (``Date`` of
        #: any answer, or a ``clock_skew`` refusal); None until the server answered once.
        self.clock_reading: ClockReading | None = None
        self.max_response_bytes = MAX_RESPONSE_BYTES
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                PROTOCOL_HEADER: PROTOCOL_VERSION,
                "Accept": "application/json",
                "Accept-Encoding": "gzip",
                "User-Agent": user_agent(),
            }
        )
        # Off: requests would otherwise let REQUESTS_CA_BUNDLE replace the configured CAs.
        self.session.trust_env = False
        self.verify: str | bool = str(settings.ca_bundle) if settings.ca_bundle else True
        self.session.verify = self.verify
        if settings.client_cert:
            self.session.cert = str(settings.client_cert)

    def close(self) -> None:
        self.session.close()

    # -- transport ---------------------------------------------------------------

    def request_bytes(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        extra_read_s: float = 0.0,
    ) -> bytes:
        """Send one request and return the body of a 2xx answer, or raise."""
        headers: dict[str, str] = {CLIENT_TIME_HEADER: format_client_time(self.clock())}
        credential: str | None = None
        if auth:
            credential = self._credential()
            if not credential:
                raise NotEnrolled("no device credential in the keyring; run 'kite-admin enroll'")
            headers["Authorization"] = f"Bearer {credential}"
        data: bytes | None = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        timeout = (self.settings.connect_timeout_s, self.settings.read_timeout_s + extra_read_s)
        url = f"{self.base_url}{path}"
        try:
            response = self.session.request(
                method,
                url,
                data=data,
                params=params,
                headers=headers,
                timeout=timeout,
                stream=True,
                verify=self.verify,
                # Proxies alone still come from the environment (see the module docstring).
                proxies=requests.utils.get_environ_proxies(url),
            )
            with response:
                self._note_date(response)
                content = self._read_capped(response, method, path)
        except requests.exceptions.SSLError as exc:
            raise ServerUnreachable(f"TLS with {self.base_url} failed: {exc}") from exc
        except requests.exceptions.Timeout as exc:
            raise ServerUnreachable(f"{method} {path} timed out: {exc}") from exc
        except requests.exceptions.ContentDecodingError as exc:
            raise InvalidResponse(f"{method} {path}: body could not be decoded: {exc}") from exc
        except requests.exceptions.RequestException as exc:
            # ConnectionError, ChunkedEncodingError (truncated body), reset mid-body...
            raise ServerUnreachable(f"{method} {path} failed: {exc}") from exc
        if 200 <= response.status_code < 300:
            return content
        if auth and _rotated_meanwhile(response, content, credential, self._credential()):
            # Sent with the credential this terminal rotated out while the request was on
            # its way (another thread already used its successor): send it with that one.
            return self.request_bytes(
                method, path, body=body, params=params, auth=auth, extra_read_s=extra_read_s
            )
        self._raise_for(response, content, method, path)
        raise AssertionError("unreachable")  # pragma: no cover - _raise_for always raises

    def _read_capped(self, response: requests.Response, method: str, path: str) -> bytes:
        """The (gunzipped) body, refused once it grows past ``max_response_bytes``."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=256 * 1024):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise InvalidResponse(
                    f"{method} {path}: answer larger than {self.max_response_bytes} bytes; refused"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _note_date(self, response: requests.Response) -> None:
        reading = from_date_header(response.headers.get("Date"), self.clock())
        if reading is not None:
            self.clock_reading = reading

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Like :meth:`request_bytes`, decoded as JSON (InvalidResponse if it is not)."""
        content = self.request_bytes(method, path, **kwargs)
        return loads_strict(content, f"{method} {path}")

    def _raise_for(
        self, response: requests.Response, content: bytes, method: str, path: str
    ) -> None:
        status = response.status_code
        code, message, params = _error_body(content)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        where = f"{method} {path}"
        if status == 426 or code == "protocol_version":
            raise ProtocolVersionMismatch(
                f"{where}: the server speaks another protocol version "
                f"(this terminal speaks {PROTOCOL_MAJOR}): {message}"
            )
        if code == "clock_skew":
            reading = from_refusal(params, self.clock())
            if reading is not None:
                self.clock_reading = reading
            raise ClockSkewed(
                f"{where}: the server refuses this terminal's clock: "
                f"{describe_skew(reading.skew_s, reading.window_s) if reading else message}. "
                "Set the clock (NTP); syncing resumes by itself once it is right",
                skew_s=reading.skew_s if reading else None,
                window_s=reading.window_s if reading else None,
            )
        if code in REVOKED_CODES:
            raise CredentialRevoked(f"{where}: the server revoked this device: {message}")
        if code == "device_suspended":
            raise DeviceSuspended(f"{where}: the server suspended this device: {message}")
        if code == "credential_rotated":
            raise CredentialRotated(f"{where}: {message}", retry_after=retry_after)
        if code in CREDENTIAL_REFUSED_CODES:
            raise CredentialRefused(
                f"{where}: the server does not take this device's credential ({code}): "
                f"{message}. Enroll it again (kite-admin enroll --force); nothing queued is lost"
            )
        if status == 429 or (status == 503 and retry_after is not None):
            raise Throttled(
                f"{where}: server asks to slow down ({status})", retry_after=retry_after
            )
        if status >= 500:
            raise ServerFailed(
                f"{where}: server error {status}: {message}", retry_after=retry_after
            )
        if 300 <= status < 400 or status < 200:
            raise InvalidResponse(f"{where}: unexpected status {status}")
        raise RequestRefused(status, code, message, params)

    # -- endpoints ---------------------------------------------------------------

    def health(self) -> Any:
        return self.request_json("GET", "/v1/health", auth=False)

    def enroll(
        self,
        device_id: str,
        one_time_code: str,
        collection_secret: str,
        facility_id: str,
        device_name: str,
    ) -> Any:
        body = {
            "device_id": device_id,
            "one_time_code": one_time_code,
            "collection_secret": collection_secret,
            "facility_id": facility_id,
            "device_name": device_name,
        }
        return self.request_json("POST", "/v1/enroll", body=body, auth=False)

    def collect(self, device_id: str, collection_secret: str) -> Any:
        body = {"device_id": device_id, "collection_secret": collection_secret}
        return self.request_json("POST", "/v1/enroll/collect", body=body, auth=False)

    def rotate(self) -> Any:
        return self.request_json("POST", "/v1/device/rotate", body={})

    def sign_in(self, facility_number: str, pin: str) -> Any:
        body = {"facility_number": facility_number, "pin": pin}
        return self.request_json("POST", "/v1/sign-in", body=body)

    def push(self, items: list[dict[str, Any]]) -> bytes:
        return self.request_bytes("POST", "/v1/push", body={"items": items})

    def fate(self, idempotency_keys: list[str]) -> bytes:
        """What the server holds under these keys of this device (protocol 1.2)."""
        return self.request_bytes(
            "POST", "/v1/push/fate", body={"idempotency_keys": idempotency_keys}
        )

    def changes(self, cursor: str | None, limit: int, wait_s: int) -> bytes:
        wait_s = max(0, min(wait_s, MAX_WAIT_S))
        params: dict[str, Any] = {"limit": limit, "wait": wait_s}
        if cursor is not None:
            params["cursor"] = cursor
        # The server may hold the request for wait_s before answering.
        return self.request_bytes("GET", "/v1/changes", params=params, extra_read_s=wait_s)

    def reconcile(self, residents: list[dict[str, Any]]) -> bytes:
        return self.request_bytes("POST", "/v1/reconcile", body={"residents": residents})


def _rotated_meanwhile(
    response: requests.Response, content: bytes, sent: str | None, current: str | None
) -> bool:
    """A 401 ``credential_rotated`` for a credential the keyring no longer holds."""
    return (
        response.status_code == 401
        and current is not None
        and current != sent
        and _error_body(content)[0] == "credential_rotated"
    )


def _error_body(content: bytes) -> tuple[str, str, dict[str, Any]]:
    try:
        doc = loads_strict(content, "error answer")
        error = doc["error"]
        code = str(error.get("code", ""))
        message = str(error.get("message", ""))[:500]
        params = error.get("params") or {}
        if not isinstance(params, dict):
            params = {}
        return code, message, params
    except (InvalidResponse, KeyError, TypeError, AttributeError):
        return "", content[:200].decode("utf-8", "replace"), {}
