"""The test terminals' clock: the demo facility open, never behind the server's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.fault import clocks

DAYS = [datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC)]  # CST, CDT


@pytest.mark.parametrize("day", DAYS)
def test_at_any_hour_the_clock_is_open_for_a_long_run_and_not_behind_real_time(
    day: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    for minutes in range(0, 24 * 60, 15):
        real = day + timedelta(minutes=minutes)
        monkeypatch.setattr(clocks, "utcnow", lambda real=real: real)
        monkeypatch.delenv(clocks.OFFSET_VARIABLE, raising=False)  # a run starting at `real`
        now = clocks.open_hours_clock()()
        # Behind real time, a reply would sort before the message it answers.
        assert now >= real
        assert clocks.demo_facility_open(now)
        assert clocks.demo_facility_open(now + clocks.LONGEST_RUN)


def test_while_the_facility_is_open_the_clock_is_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    real = datetime(2026, 11, 23, 18, 31, tzinfo=UTC)  # 12:31 in Chicago
    monkeypatch.setattr(clocks, "utcnow", lambda: real)
    monkeypatch.delenv(clocks.OFFSET_VARIABLE, raising=False)
    assert clocks.open_hours_clock()() == real


@pytest.mark.parametrize("day", DAYS)
def test_a_terminal_made_again_later_in_the_run_never_reads_an_earlier_time(
    day: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restarted terminal (a new clock, seconds later) reads on from where the first
    left off, at every hour: a queue's retry times, set by the first, come due."""
    for minutes in range(0, 24 * 60, 15):
        real = [day + timedelta(minutes=minutes)]
        monkeypatch.setattr(clocks, "utcnow", lambda real=real: real[0])
        monkeypatch.delenv(clocks.OFFSET_VARIABLE, raising=False)
        first = clocks.open_hours_clock()
        real[0] += timedelta(seconds=5)
        left_off = first()
        again = clocks.open_hours_clock()  # the same run, a terminal made again
        assert again() == left_off
        real[0] += timedelta(seconds=1)
        assert again() > left_off
