"""The sync engine's state as the screens and ``kite-admin status`` see it.

A :class:`SyncStatus` is an immutable snapshot; codes, not sentences (the UI
translates them). ``last_error`` is one of :data:`ERROR_CODES`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sync.clock_skew import ClockReading
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
    SyncError,
    Throttled,
)

State = Literal[
    "starting",
    "online",
    "offline",
    "throttled",  # the server answered 429: it asked to wait until next_attempt_at
    "refusing_answers",  # the server answered with something refused (InvalidResponse)
    "clock_wrong",  # the server refuses this terminal's clock (clock_skew): IT sets it
    "not_enrolled",
    "revoked",
    "suspended",  # a credential it had rotated out was used again: out of service, call IT
    "credential_refused",  # the server does not take its credential: IT enrolls it again
    "incompatible",
    "stopped",
]

ERROR_CODES = (
    "server_unreachable",
    "server_error",
    "throttled",
    "invalid_response",
    "protocol_version",
    "device_revoked",
    "device_suspended",
    "credential_rotated",
    "credential_refused",
    "not_enrolled",
    "request_refused",
    "clock_skew",
    "local_error",
)

STATUS_FILE = "sync-status.json"


def error_code(exc: BaseException) -> str:
    """The status code for an exception the engine caught."""
    for cls, code in (
        (ServerUnreachable, "server_unreachable"),
        (ServerFailed, "server_error"),
        (Throttled, "throttled"),
        (InvalidResponse, "invalid_response"),
        (ProtocolVersionMismatch, "protocol_version"),
        (CredentialRotated, "credential_rotated"),
        (CredentialRevoked, "device_revoked"),
        (ClockSkewed, "clock_skew"),
        (DeviceSuspended, "device_suspended"),
        (CredentialRefused, "credential_refused"),
        (NotEnrolled, "not_enrolled"),
        (RequestRefused, "request_refused"),
    ):
        if isinstance(exc, cls):
            return code
    return "server_error" if isinstance(exc, SyncError) else "local_error"


@dataclass(frozen=True)
class SyncStatus:
    """What the terminal knows about its link with the server, right now."""

    state: State = "starting"
    online: bool = False
    items_waiting: int = 0  # outbox rows not yet accepted by the server
    items_failed: int = 0  # permanently refused rows (the resident sees each one)
    last_success_at: datetime | None = None  # last round that reached the server
    last_error: str | None = None  # a code of ERROR_CODES
    last_error_detail: str | None = None  # English, for IT and the logs only
    offline_since: datetime | None = None
    next_attempt_at: datetime | None = None
    call_it: bool = False  # revoked, suspended, incompatible, or a clock refused: IT must act
    # The last skew seen between this terminal's clock and the server's (sync.clock_skew):
    # the server's time minus this terminal's, positive when the terminal is behind.
    clock_skew_s: float | None = None
    clock_checked_at: datetime | None = None
    clock_window_s: float | None = None  # the server's window, once a refusal said it

    def evolve(self, **changes: Any) -> SyncStatus:
        return replace(self, **changes)

    def with_clock(self, reading: ClockReading | None) -> SyncStatus:
        """This snapshot with the clock reading (unchanged when there is none yet)."""
        if reading is None:
            return self
        window = reading.window_s if reading.window_s is not None else self.clock_window_s
        return replace(
            self,
            clock_skew_s=reading.skew_s,
            clock_checked_at=reading.observed_at,
            clock_window_s=window,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            out[key] = value.isoformat() if isinstance(value, datetime) else value
        return out


def write_status_file(data_dir: Path, status: SyncStatus) -> None:
    """Leave the last snapshot where ``kite-admin status`` can read it (atomic replace)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".sync-status.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(status.to_json(), handle)
        os.replace(tmp, data_dir / STATUS_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_status_file(data_dir: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads((data_dir / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded
