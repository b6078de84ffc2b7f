"""Signing in and out: online and offline verification, lockout, idle and cap timers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kiosk.config import Settings
from kiosk.core import Core
from kiosk.errors import Refusal
from kiosk.store import open_store
from kiosk.store.models import AuditEvent
from kiosk.views import DraftInput

from .conftest import World


def _refusal(core: Core, number: str, pin_code: str) -> Refusal:
    with pytest.raises(Refusal) as refused:
        core.sign_in(number, pin_code)
    return refused.value


def test_online_sign_in_caches_verifier_for_a_later_offline_sign_in(world: World) -> None:
    core = world.core()
    signed = core.sign_in("A1001", "2468")
    assert not signed.offline
    assert signed.resident.display_name == "Ana Ruiz"
    core.end_session("sign_out")
    world.directory.online = False
    again = core.sign_in("A1001", "2468")
    assert again.offline
    assert again.resident.resident_id == "r1"


def test_offline_sign_in_of_resident_never_seen_online_is_refused(world: World) -> None:
    world.directory.online = False
    assert _refusal(world.core(), "A1001", "2468").code == "offline_unknown_resident"
    assert _refusal(world.core(), "Z9999", "0000").code == "offline_unknown_resident"


def test_offline_wrong_pin_is_refused_as_invalid_credentials(world: World) -> None:
    core = world.core()
    core.sign_in("A1001", "2468")
    core.end_session("sign_out")
    world.directory.online = False
    assert _refusal(core, "A1001", "1111").code == "invalid_credentials"


def test_five_wrong_pins_lock_for_fifteen_minutes_then_unlock(world: World) -> None:
    core = world.core()
    codes = [_refusal(core, "A1001", "0000").code for _ in range(5)]
    assert codes == ["invalid_credentials"] * 4 + ["account_locked"]
    locked = _refusal(core, "A1001", "2468")
    assert locked.code == "account_locked"
    assert locked.params["until"] == world.clock() + timedelta(minutes=15)
    world.clock.advance(15 * 60)
    assert core.sign_in("A1001", "2468").resident.resident_id == "r1"


def test_unknown_facility_number_locks_exactly_like_a_real_one(world: World) -> None:
    core = world.core()
    real = [_refusal(core, "A1001", "0000") for _ in range(6)]
    fake = [_refusal(core, "Z9999", "0000") for _ in range(6)]
    assert [r.code for r in real] == [r.code for r in fake]
    assert real[-1].params == fake[-1].params


def test_lockout_survives_a_restart(world: World) -> None:
    core = world.core()
    for _ in range(5):
        _refusal(core, "A1001", "0000")
    world.store.close()
    reopened = open_store(world.store.path)
    try:
        fresh = Core(reopened, world.settings, world.clock, world.directory)
        calls = world.directory.calls
        assert _refusal(fresh, "A1001", "2468").code == "account_locked"
        assert world.directory.calls == calls  # not even asked: locked locally
    finally:
        reopened.close()


def test_lock_reported_by_server_holds_offline_too(world: World) -> None:
    until = world.clock() + timedelta(minutes=30)

    class LockedServer:
        def authenticate(self, facility_number: str, pin_code: str) -> object:
            raise Refusal("account_locked", until=until)

    core = Core(world.store, world.settings, world.clock, LockedServer())  # type: ignore[arg-type]
    assert _refusal(core, "A1001", "2468").params == {"until": until}
    world.directory.online = False
    assert _refusal(world.core(), "A1001", "2468").code == "account_locked"


def test_success_clears_the_failure_count(world: World) -> None:
    core = world.core()
    for _ in range(4):
        _refusal(core, "A1001", "0000")
    core.sign_in("A1001", "2468")
    core.end_session("sign_out")
    assert [_refusal(core, "A1001", "0000").code for _ in range(4)] == ["invalid_credentials"] * 4


def test_sign_in_outside_hours_says_when_it_opens(world: World) -> None:
    # 09:00 Monday in Chicago: open only Tuesdays 10:00-11:00.
    world.policy(hours=[{"weekday": 1, "opens": "10:00", "closes": "11:00"}])
    refused = _refusal(world.core(), "A1001", "2468")
    assert refused.code == "closed"
    assert refused.params["opens_at"] == world.clock() + timedelta(days=1, hours=1)


def test_idle_session_warns_twenty_seconds_ahead_then_expires(world: World) -> None:
    core = world.signed_in()
    state = core.session_state()
    assert state is not None and (state.phase, state.seconds_left) == ("active", 120)
    world.clock.advance(101)
    state = core.session_state()
    assert state is not None and (state.phase, state.seconds_left, state.ending) == (
        "warning",
        19,
        "idle",
    )
    world.clock.advance(19)
    state = core.session_state()
    assert state is not None and (state.phase, state.ending) == ("expired", "idle")
    with pytest.raises(Refusal) as refused:
        core.balances()
    assert (refused.value.code, refused.value.params) == ("session_expired", {"ending": "idle"})


def test_activity_restarts_idle_timer_but_not_the_kiosk_cap(world: World) -> None:
    core = world.signed_in()
    for _ in range(29):
        world.clock.advance(60)
        core.touch()
    state = core.session_state()
    assert state is not None and (state.phase, state.seconds_left, state.ending) == (
        "active",
        60,
        "cap",
    )
    world.clock.advance(60)
    state = core.session_state()
    assert state is not None and (state.phase, state.ending) == ("expired", "cap")


def test_tablet_waits_longer_and_has_no_cap(world: World) -> None:
    world.settings = Settings(facility_id="demo", mode="tablet")
    core = world.signed_in()
    world.clock.advance(200)
    state = core.session_state()
    assert state is not None and state.phase == "active"
    core.touch()
    for _ in range(40):
        world.clock.advance(250)
        core.touch()
    state = core.session_state()
    assert state is not None and state.phase == "active"


def test_ending_session_keeps_unfinished_text_as_drafts(world: World) -> None:
    core = world.signed_in()
    world.clock.advance(130)
    core.end_session("idle", [DraftInput("c1", "Half a thought"), DraftInput("c1", "   ")])
    assert core.session_state() is None
    with pytest.raises(Refusal, match="not_signed_in"):
        core.drafts()
    again = world.signed_in()
    assert [(d.body, d.origin) for d in again.drafts()] == [("Half a thought", "session_end")]


def test_sign_in_and_out_are_audited_without_the_pin(world: World) -> None:
    core = world.core()
    _refusal(core, "A1001", "0000")
    core.sign_in("A1001", "2468")
    core.end_session("sign_out")
    with world.store.read() as db:
        events = list(db.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.action for e in events] == ["sign_in_failed", "sign_in", "sign_out"]
    assert events[0].resident_id is None
    assert all("2468" not in str(e.details) and "0000" not in str(e.details) for e in events)


def test_second_sign_in_while_a_session_is_open_is_refused(world: World) -> None:
    core = world.signed_in()
    assert _refusal(core, "A1001", "2468").code == "already_signed_in"


def test_session_warns_before_closing_time_then_ends_as_closed(world: World) -> None:
    # 09:00 Monday in Chicago; service ends at 09:10 although idle and cap would allow more.
    world.policy(hours=[{"weekday": 0, "opens": "08:00", "closes": "09:10"}])
    core = world.signed_in()
    for _ in range(9):
        world.clock.advance(60)
        core.touch()
    world.clock.advance(45)
    state = core.session_state()
    assert state is not None and (state.phase, state.seconds_left, state.ending) == (
        "warning",
        15,
        "closed",
    )
    world.clock.advance(15)
    state = core.session_state()
    assert state is not None and (state.phase, state.ending) == ("expired", "closed")
    with pytest.raises(Refusal) as refused:
        core.balances()
    assert refused.value.params == {"ending": "closed"}
    core.end_session("closed", [DraftInput("c1", "Half a reply")])
    assert _refusal(core, "A1001", "2468").code == "closed"
