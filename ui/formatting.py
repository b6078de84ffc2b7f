"""Times, money and counts as a resident reads them, in the current language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication, QDateTime, QLocale, QTimeZone

# Times are shown in the facility's zone (from its policy), whatever the machine's zone is.
_zone: dict[str, QTimeZone] = {}


def set_time_zone(name: str) -> None:
    """Show every time in the IANA zone ``name`` (the facility policy's ``timezone``)."""
    zone = QTimeZone(name.encode())
    if zone.isValid():
        _zone["facility"] = zone


def _local(value: datetime) -> QDateTime:
    utc = QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone.utc())
    zone = _zone.get("facility")
    return utc.toTimeZone(zone) if zone is not None else utc.toLocalTime()


def time_of_day(value: datetime) -> str:
    """``14:05``."""
    return _local(value).toString("HH:mm")


def when(value: datetime, now: datetime | None = None) -> str:
    """``14:05`` today, else ``Tue 3 Mar 14:05`` in the current language."""
    local = _local(value)
    today = _local(now if now is not None else datetime.now(UTC)).date()
    if local.date() == today:
        return local.toString("HH:mm")
    return QLocale().toString(local, "ddd d MMM HH:mm")


def day_and_time(value: datetime) -> str:
    """``Tuesday 07:00`` (for "opens at")."""
    return QLocale().toString(_local(value), "dddd HH:mm")


def money(cents: int) -> str:
    """``$12.05`` from integer cents; no floating point on the way."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${QLocale().toString(whole)}{QLocale().decimalPoint()}{part:02d}"


def minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes from ``now`` to ``until``, rounded up, at least 1."""
    seconds = (until - now).total_seconds()
    return max(1, int(-(-seconds // 60)))


FSI, PDI = "\u2068", "\u2069"

# Bidi controls, and right-to-left scripts: text with none of these cannot reorder its
# neighbours, so it is shown as it is (and reads the same to a screen reader).
_NEEDS_ISOLATION = re.compile(
    "[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


def isolate(text: str) -> str:
    """A name or body from the server, bidi-isolated (FSI ... PDI) when it needs it.

    Its own direction is kept, but a control character inside (U+202E, say) ends
    at the isolate and never reorders the text that follows it on screen.
    """
    return f"{FSI}{text}{PDI}" if _NEEDS_ISOLATION.search(text) else text


def full_date_and_time(value: datetime) -> str:
    """``Thursday, March 12, 2026 at 10:17``: a date a resident can plan by, never a weekday alone.

    The date is the current language's long form (``jueves, 12 de marzo de 2026`` in
    Spanish); a restriction may end weeks away, where "Thursday" says nothing.
    """
    local = _local(value)
    date = QLocale().toString(local.date(), QLocale.FormatType.LongFormat)
    return QCoreApplication.translate("Time", "{date} at {time}").format(
        date=date, time=local.toString("HH:mm")
    )
