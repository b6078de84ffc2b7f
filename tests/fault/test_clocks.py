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
        now = clocks.open_hours_clock()()
        # Behind real time, a reply would sort before the message it answers.
        assert now >= real
        assert clocks.demo_facility_open(now)
        assert clocks.demo_facility_open(now + clocks.LONGEST_RUN)


def test_while_the_facility_is_open_the_clock_is_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    real = datetime(2026, 11, 23, 18, 31, tzinfo=UTC)  # 12:31 in Chicago
    monkeypatch.setattr(clocks, "utcnow", lambda: real)
    assert clocks.open_hours_clock()() == real
