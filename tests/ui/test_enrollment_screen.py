"""The enrollment screen tells IT when another request holds this device ID."""

from __future__ import annotations

from typing import Any

from sync.enrollment import EnrollmentTicket
from sync.errors import RequestRefused, ServerUnreachable
from tests.ui.conftest import Terminal


class RefusingService:
    """An enrollment service whose server refuses (or cannot be reached)."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.ticket = EnrollmentTicket("dev-1", "ABCDE-23456", "demo", "Unit A kiosk")

    def begin(self) -> EnrollmentTicket:
        raise self.error

    def collect(self, ticket: Any) -> str:
        raise self.error


def test_a_request_held_by_someone_else_says_so_not_unreachable(terminal: Terminal) -> None:
    screen: Any = terminal.shell.page("enrollment")
    screen.poll_ms = 60_000  # no retry during the test
    conflict = RequestRefused(409, "enrollment_conflict", "held", {})
    screen.open(RefusingService(conflict))
    terminal.settle()
    assert "another request holds this device ID" in screen.state_label.text()
    screen.open(RefusingService(ServerUnreachable("down")))
    terminal.settle()
    assert "Cannot reach the central service" in screen.state_label.text()
