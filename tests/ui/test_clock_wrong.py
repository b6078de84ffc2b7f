"""A terminal whose clock the server refuses says so, and to call IT; never "offline"."""

from __future__ import annotations

from typing import Any

from kiosk.errors import Refusal
from sync.errors import ClockSkewed
from sync.status import SyncStatus
from tests.ui.conftest import Terminal
from tests.ui.test_enrollment_screen import RefusingService
from ui.refusals import describe


def test_the_sign_in_screen_and_the_sync_line_say_the_clock_is_wrong(terminal: Terminal) -> None:
    status = SyncStatus(state="clock_wrong", online=False, call_it=True, clock_skew_s=-7200.0)
    terminal.shell.show_sync_status(status)
    terminal.settle()
    notice = terminal.shell.signin.facility_notice.text()
    assert "clock is wrong" in notice and "tell staff" in notice
    assert "Offline" not in notice
    terminal.shell.show_sync_status(SyncStatus(state="online", online=True))
    terminal.settle()
    assert terminal.shell.signin.facility_notice.isHidden()  # set right: the notice goes


def test_a_sign_in_refused_for_the_clock_says_so_never_offline() -> None:
    sentence = describe(Refusal("clock_wrong"))
    assert "clock is wrong" in sentence and "IT must set the clock" in sentence
    assert "offline" not in sentence.lower()


def test_the_enrollment_screen_says_the_server_refuses_the_clock(terminal: Terminal) -> None:
    screen: Any = terminal.shell.page("enrollment")
    screen.poll_ms = 60_000  # no retry during the test
    skewed = ClockSkewed("POST /v1/enroll: refused clock", skew_s=-3600.0, window_s=300.0)
    screen.open(RefusingService(skewed))
    terminal.settle()
    assert "refuses this terminal's clock" in screen.state_label.text()
    assert "Cannot reach" not in screen.state_label.text()
