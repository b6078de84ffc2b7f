"""A reply the server refuses for good reaches the resident as a status with a reason,
and what it held is given back: the stamp becomes spendable again, the text a draft."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store.models import OutboundStatus
from sync import push
from tests.integration.terminal import Terminal, make_terminal
from tests.server.live import LiveServer, World, ok


@pytest.fixture
def terminal(tmp_path: Path, central_server: LiveServer, world: World) -> Iterator[Terminal]:
    made = make_terminal(tmp_path, central_server.url, world.devices[0])
    try:
        assert made.worker.sync_once().online
        yield made
    finally:
        made.close()


def test_reply_refused_by_the_server_shows_reason_frees_stamp_and_returns_draft(
    terminal: Terminal, central_server: LiveServer, world: World
) -> None:
    resident = world.resident
    terminal.core.sign_in(resident.facility_number, resident.pin)
    before = terminal.core.balances()
    # The facility suspends the contact; this terminal has not heard of it yet.
    with central_server.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/contacts/{resident.contact_id}/state", json={"state": "suspended"}
            )
        )
    sent = terminal.core.send_reply(resident.contact_id, None, "Hope you are well")
    assert terminal.core.balances().spendable == before.spendable - 1

    report = push.push_due(terminal.store, terminal.client, clock=terminal.worker.clock)
    assert report.rejected >= 1

    message = terminal.core.message(sent.message.message_id)
    assert message.status == OutboundStatus.REJECTED
    assert message.status_reason == "contact_not_approved"
    assert terminal.core.balances().spendable == before.spendable
    drafts = [d for d in terminal.core.drafts() if d.body == "Hope you are well"]
    assert len(drafts) == 1 and drafts[0].origin == "rejected"
    assert terminal.worker.sync_once().items_failed >= 1
