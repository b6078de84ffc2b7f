"""How far this terminal's clock is from the server's, as the server's answers show it.

Two sources: the ``Date`` of every answer (whole seconds, so a reading is good to
about a second, plus the network's delay), and a ``403 clock_skew`` refusal, which
says the skew the server measured, its time and its window. The terminal never
sets its own clock from these (a server is not trusted that far, and the clock
is the operating system's to keep): it records the skew for IT
(``kite-admin status``) and, on a refusal, says the clock must be set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from kiosk.clock import server_time
from kiosk.errors import ServerDataError

#: A reading further off than this is not a clock, it is a broken answer: ignored.
MAX_PLAUSIBLE_S = 100 * 365 * 24 * 3600.0


@dataclass(frozen=True)
class ClockReading:
    """One observation: ``skew_s`` = the server's time minus this terminal's (positive:
    the terminal is behind), when it was made (terminal's clock), and how."""

    skew_s: float
    observed_at: datetime
    source: Literal["date", "refusal"]
    window_s: float | None = None  # the server's window, when a refusal said it


def from_date_header(value: str | None, now: datetime) -> ClockReading | None:
    """A reading from an answer's ``Date`` (None when absent or unreadable)."""
    if not value:
        return None
    try:
        stamped = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if stamped.tzinfo is None:
        stamped = stamped.replace(tzinfo=UTC)
    # Date is the server's second, truncated: its time was half a second later on average.
    return _reading((stamped - now).total_seconds() + 0.5, now, "date", None)


def from_refusal(params: dict[str, Any], now: datetime) -> ClockReading | None:
    """A reading from the params of a ``clock_skew`` refusal (None if they say nothing usable)."""
    window = _number(params.get("window_s"))
    skew = _number(params.get("skew_s"))
    if skew is None:
        try:
            stamped = server_time(params["server_time"])
        except (KeyError, TypeError, ValueError, ServerDataError):
            return None
        skew = (stamped - now).total_seconds()
    return _reading(skew, now, "refusal", window)


def describe_skew(skew_s: float, window_s: float | None = None) -> str:
    """English for IT: ``2 h 5 min ahead of the server's (the server allows 300 s)``."""
    size = abs(skew_s)
    if size < 1.5:
        text = "within a second of the server's"
    else:
        direction = "behind" if skew_s > 0 else "ahead of"
        text = f"{_duration(size)} {direction} the server's"
    if window_s is not None:
        text += f" (the server allows {window_s:g} s)"
    return text


def _duration(seconds: float) -> str:
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and abs(value) <= MAX_PLAUSIBLE_S else None


def _reading(
    skew: float, now: datetime, source: Literal["date", "refusal"], window: float | None
) -> ClockReading | None:
    if not math.isfinite(skew) or abs(skew) > MAX_PLAUSIBLE_S:
        return None
    return ClockReading(round(skew, 1), now, source, window)
