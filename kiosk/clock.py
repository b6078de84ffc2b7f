"""The one place the core reads the time, so tests can move it; and times the server sends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from kiosk.errors import ServerDataError

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime (as SQLite hands them back) as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def server_time(value: datetime | str) -> datetime:
    """An aware datetime from a datetime or an RFC 3339 string the server sent."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ServerDataError(f"time {value!r} has no zone; the protocol sends UTC")
    return parsed
