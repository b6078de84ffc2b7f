"""Clocks for terminals under test (cheap to import: the crash suite starts many processes)."""

from __future__ import annotations

from kiosk.clock import Clock, utcnow


def open_hours_clock() -> Clock:
    """Real time, moved to 18:00 UTC today: the demo facility (Chicago, 06-22) is open."""
    now = utcnow()
    offset = now.replace(hour=18, minute=0, second=0, microsecond=0) - now
    return lambda: utcnow() + offset
