"""The sync engine's state as the screens and ``kite-admin status`` see it.

A :class:`SyncStatus` is an immutable snapshot; codes, not sentences (the UI
translates them). ``last_error`` is one of :data:`ERROR_CODES`. What a round
makes of the status is decided here too (:func:`after_success`,
:func:`after_failure`, and :func:`stopping_state` and :func:`stopped` for the
failures only IT can end); the worker (:mod:`sync.worker`) applies it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
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

# The failures only IT can end (the first that matches): the state each stops the worker
# in, and the last_error it leaves (None: "incompatible" keeps the "protocol_version" that
# after_failure set). No later failure changes these states.
_STOPPING: tuple[tuple[type[SyncError], State, str | None], ...] = (
    (CredentialRevoked, "revoked", "device_revoked"),  # the worker wipes first (_revoke)
    (DeviceSuspended, "suspended", "device_suspended"),  # nothing wiped: IT enrolls it again
    (CredentialRefused, "credential_refused", "credential_refused"),  # nothing wiped or refused
    (ProtocolVersionMismatch, "incompatible", None),
)
STOPPED_STATES: tuple[State, ...] = tuple(state for _, state, _ in _STOPPING)


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


def stopping_state(exc: BaseException) -> State | None:
    """The state a failure only IT can end stops the worker in; None for any other."""
    for cls, state, _ in _STOPPING:
        if isinstance(exc, cls):
            return state
    return None


def stopped(state: State) -> dict[str, Any]:
    """The changes that leave the status in ``state``, one of :data:`STOPPED_STATES`."""
    changes: dict[str, Any] = {"state": state, "online": False, "call_it": True}
    for _, stopping, last_error in _STOPPING:
        if stopping == state and last_error is not None:
            changes["last_error"] = last_error
    return changes


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
    call_it: bool = False  # a state of STOPPED_STATES, or a clock refused: IT must act
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


def after_success(*, now: datetime, waiting: int, failed: int) -> dict[str, Any]:
    """The changes a round that reached the server makes, the outbox's counts given."""
    return {
        "state": "online",
        "online": True,
        "last_success_at": now,
        "offline_since": None,
        "next_attempt_at": None,
        "items_waiting": waiting,
        "items_failed": failed,
        "last_error": None,
        "last_error_detail": None,
        "call_it": False,
    }


def after_failure(
    current: SyncStatus, exc: BaseException, *, now: datetime, waiting: int, failed: int
) -> dict[str, Any]:
    """The changes a failed round makes to ``current``, the outbox's counts given.

    Not for a state of :data:`STOPPED_STATES`: no failure changes those (the worker
    asks nothing then). A failure that stops the worker changes the status once more
    afterwards (:func:`stopped`).
    """
    code = error_code(exc)
    unreachable = code in ("server_unreachable", "server_error")
    next_attempt_at = None
    if code == "not_enrolled":
        state: State = "not_enrolled"
    elif code == "throttled":
        # The server answered and asked to wait: not offline; say until when.
        state = "throttled"
        wait = getattr(exc, "retry_after", None)
        next_attempt_at = now + timedelta(seconds=wait if wait is not None else 0)
    elif unreachable:
        state = "offline"
    elif code == "clock_skew":
        # The server answered: not offline. It refuses the clock, not the work: every
        # item stays queued and goes once IT has set the clock (retried with backoff).
        state = "clock_wrong"
    elif code == "invalid_response":
        # The server answered with something refused: nothing of it was applied, so
        # the terminal is not up to date; never "online" while that lasts.
        state = "refusing_answers"
    else:
        state = current.state
    return {
        "state": state,
        "online": current.online and state == current.state and not unreachable,
        "offline_since": (current.offline_since or now) if unreachable else current.offline_since,
        "next_attempt_at": next_attempt_at,
        "last_error": code,
        "last_error_detail": str(exc)[:500],
        "items_waiting": waiting,
        "items_failed": failed,
        "call_it": state == "clock_wrong",
    }


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
