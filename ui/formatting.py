"""Times, money and counts as a resident reads them, in the current language."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, QLocale, QTimeZone


def _local(value: datetime) -> QDateTime:
    utc = QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone.utc())
    return utc.toLocalTime()


def time_of_day(value: datetime) -> str:
    """``14:05``."""
    return _local(value).toString("HH:mm")


def when(value: datetime, now: datetime | None = None) -> str:
    """``14:05`` today, else ``Tue 3 Mar 14:05`` in the current language."""
    local = _local(value)
    today = _local(now).date() if now is not None else QDateTime.currentDateTime().date()
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
