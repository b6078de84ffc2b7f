"""Clocks for terminals under test (cheap to import: the crash suite starts many processes)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kiosk.clock import Clock, utcnow

# The demo facility's hours (sync.server.seed.demo_policy): 06:00-22:00 every day, Chicago.
FACILITY_ZONE = ZoneInfo("America/Chicago")
OPENS_HOUR, CLOSES_HOUR = 6, 22
#: Longer than any run that uses these clocks (the 1,000-trial crash run included).
LONGEST_RUN = timedelta(hours=2)


def demo_facility_open(at: datetime) -> bool:
    """Whether the demo facility is open at ``at`` (an aware time)."""
    return OPENS_HOUR <= at.astimezone(FACILITY_ZONE).hour < CLOSES_HOUR


#: Where the first clock of a run leaves its offset, so every clock after it, in this
#: process or a child (the crash run's terminals), reads the same time.
OFFSET_VARIABLE = "TESTS_OPEN_HOURS_OFFSET_S"


def open_hours_clock() -> Clock:
    """A clock at which the demo facility is open, so replies can be written.

    Real time when the facility is open now and still is ``LONGEST_RUN`` later;
    otherwise real time moved forward to the next 18:00 UTC (midday in Chicago).
    Forward only: the terminal's clock may run ahead of the server's, never
    behind it, so what a terminal writes sorts after what it has received (a
    reply after the message it answers), as it does with real clocks.

    One offset for the whole run: a terminal made again later (a restart) reads
    the time its first run left off at, never an earlier one, at any time of day.
    """
    offset = run_offset()
    if not offset:
        return utcnow
    return lambda: utcnow() + offset


def run_offset() -> timedelta:
    """How far this run's clocks are ahead of real time (the reference servers' too)."""
    given = os.environ.get(OFFSET_VARIABLE)
    if given is not None:
        return timedelta(seconds=float(given))
    now = utcnow()
    offset = timedelta(0)
    if not (demo_facility_open(now) and demo_facility_open(now + LONGEST_RUN)):
        target = now.replace(hour=18, minute=0, second=0, microsecond=0)
        if target <= now:
            target += timedelta(days=1)
        offset = target - now
    os.environ[OFFSET_VARIABLE] = repr(offset.total_seconds())
    return offset


class MovedClock:
    """A terminal's clock: ``base`` moved by ``offset``, which a test changes to set the clock
    wrong (or right again) while the terminal runs."""

    def __init__(self, base: Clock = utcnow, offset: timedelta = timedelta(0)) -> None:
        self.base = base
        self.offset = offset

    def __call__(self) -> datetime:
        return self.base() + self.offset
