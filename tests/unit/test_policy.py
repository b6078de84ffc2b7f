"""The facility policy: strict validation, defaults, the cached copy, hours of service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from kiosk.policy import DEFAULT_POLICY, load_policy, parse_policy, save_policy
from kiosk.store.database import Store

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 09:00 in Chicago


def test_defaults_follow_the_design_with_a_wcag_idle_warning() -> None:
    p = DEFAULT_POLICY
    assert (p.stamps_per_message, p.max_message_chars) == (1, 30_000)
    assert (p.lockout_attempts, p.lockout_minutes) == (5, 15)
    assert (p.idle_kiosk_s, p.idle_tablet_s, p.session_cap_s) == (120, 300, 1800)
    assert p.idle_warning_s == 20


def test_policy_refuses_unknown_fields_and_coerced_types() -> None:
    with pytest.raises(ValidationError, match="colour"):
        parse_policy({"facility_id": "f", "colour": "red"})
    with pytest.raises(ValidationError, match="stamps_per_message"):
        parse_policy({"facility_id": "f", "stamps_per_message": "1"})


def test_short_idle_warning_is_accepted_but_raised_to_twenty_seconds() -> None:
    policy = parse_policy({"facility_id": "f", "idle_warning_s": 15})
    assert (policy.idle_warning_s, policy.warning_s) == (15, 20)


def test_policy_refuses_unknown_time_zone_and_inverted_hours() -> None:
    with pytest.raises(ValidationError, match="Mars/Olympus"):
        parse_policy({"facility_id": "f", "timezone": "Mars/Olympus"})
    with pytest.raises(ValidationError, match="closes"):
        parse_policy(
            {"facility_id": "f", "hours": [{"weekday": 0, "opens": "18:00", "closes": "08:00"}]}
        )


def test_cached_policy_survives_reopening_and_defaults_apply_before_any(store: Store) -> None:
    with store.read() as db:
        assert load_policy(db, "demo").cod_allowed is False
    with store.write() as db:
        save_policy(db, {"facility_id": "demo", "cod_allowed": True}, NOW)
    with store.read() as db:
        assert load_policy(db, "demo").cod_allowed is True


def test_hours_are_read_in_the_facility_time_zone() -> None:
    policy = parse_policy(
        {
            "facility_id": "f",
            "timezone": "America/Chicago",
            "hours": [{"weekday": 0, "opens": "08:00", "closes": "12:00"}],
        }
    )
    assert policy.is_open(NOW)  # 09:00 in Chicago
    assert not policy.is_open(datetime(2026, 11, 23, 19, 0, tzinfo=UTC))  # 13:00 there


def test_next_opening_is_the_next_window_even_days_ahead() -> None:
    policy = parse_policy(
        {
            "facility_id": "f",
            "timezone": "America/Chicago",
            "hours": [
                {"weekday": 0, "opens": "08:00", "closes": "12:00"},
                {"weekday": 0, "opens": "13:00", "closes": "21:00"},
                {"weekday": 2, "opens": "08:00", "closes": "24:00"},
            ],
        }
    )
    lunch = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)  # Monday 12:30 local
    assert policy.next_opening(lunch) == datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
    night = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # Monday 22:00 local
    assert policy.next_opening(night) == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # Wed 08:00
    assert policy.is_open(datetime(2026, 11, 26, 5, 59, tzinfo=UTC))  # Wed 23:59 local


def test_no_hours_means_always_open() -> None:
    assert DEFAULT_POLICY.is_open(NOW)
    assert DEFAULT_POLICY.next_opening(NOW) is None


def test_closing_time_is_the_end_of_back_to_back_windows() -> None:
    policy = parse_policy(
        {
            "facility_id": "f",
            "timezone": "America/Chicago",
            "hours": [
                {"weekday": 0, "opens": "08:00", "closes": "24:00"},
                {"weekday": 1, "opens": "00:00", "closes": "02:30"},
                {"weekday": 1, "opens": "09:00", "closes": "10:00"},
            ],
        }
    )
    # 09:00 Monday in Chicago: open until 02:30 Tuesday there (08:30 UTC).
    assert policy.closing_time(NOW) == datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    assert policy.closing_time(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)) is None  # 03:00: closed
    assert DEFAULT_POLICY.closing_time(NOW) is None  # no hours: never closes
