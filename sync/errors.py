"""What can go wrong talking to the central server, as typed exceptions.

Two families matter to the engine:

- :class:`TransientError`: try again later with the same idempotency key
  (network down, timeout, 5xx, 429, a page that failed validation).
- :class:`PermanentError`: trying again will not help (a 4xx refusal, a
  protocol major the terminal does not speak, a revoked credential).

Messages are plain English for operators and logs; residents never see them
(the UI shows codes from the status snapshot instead).
"""

from __future__ import annotations

from typing import Any

from kiosk.errors import KiteError


class SyncError(KiteError):
    """Base of every error of the sync engine."""


class TransientError(SyncError):
    """Retry later; ``retry_after`` (seconds) is the server's wish, if it said one."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerUnreachable(TransientError):
    """No answer: connection refused or reset, DNS, TLS handshake, or a timeout."""


class ServerFailed(TransientError):
    """The server answered 5xx (a bug or an overload on its side)."""


class Throttled(TransientError):
    """The server answered 429 (or 503 with Retry-After): slow down."""


class InvalidResponse(TransientError):
    """The server's answer is not valid JSON or fails the protocol models.

    Nothing of it is applied; the same request is retried later.
    """


class CredentialRotated(TransientError):
    """401 ``credential_rotated``: the credential sent was rotated out moments ago.

    The client already sent the request again when the keyring holds a newer one; when
    it does not, someone else rotated this device's credential, and the server will
    suspend the device if the old one is used after its grace. Retried, never a refusal
    of the items sent (they are not at fault).
    """


class PermanentError(SyncError):
    """Retrying the same request will not change the answer."""


class RequestRefused(PermanentError):
    """The server refused the request with a 4xx and an error code."""

    def __init__(self, status: int, code: str, message: str, params: dict[str, Any]) -> None:
        super().__init__(f"server refused ({status} {code}): {message}")
        self.status = status
        self.code = code
        self.params = params


class ProtocolVersionMismatch(PermanentError):
    """The server speaks another protocol major; sync stops until IT updates one side."""


class CredentialRevoked(PermanentError):
    """The server revoked this device; resident data must be wiped and IT called."""


class DeviceSuspended(PermanentError):
    """The server suspended this device: a credential it had rotated out was used again
    (suspected theft). Nothing syncs until IT enrolls it again; nothing is wiped."""


class CredentialRefused(PermanentError):
    """The server does not take this device's credential (unknown, replaced without this
    terminal knowing, expired, or the device not approved). Not a refusal of what the
    request carried: queued work is kept, and nothing syncs until IT enrolls it again."""


class NotEnrolled(PermanentError):
    """No device credential in the keyring: run ``kite-admin enroll``."""


class ClockSkewed(PermanentError):
    """The server refused the request because this terminal's clock is outside its window.

    Not a refusal of the request's content (nothing of it was looked at): the same
    request goes through once the clock is right, so the engine keeps its items and
    tells IT. ``skew_s`` is the server's time minus the terminal's (positive: the
    terminal is behind), ``window_s`` what the server allows; either may be None when
    the server did not say.
    """

    code = "clock_skew"

    def __init__(self, message: str, *, skew_s: float | None, window_s: float | None) -> None:
        super().__init__(message)
        self.skew_s = skew_s
        self.window_s = window_s
