"""The background worker: woken by every outbox commit, reports its state and what it
changed, obeys revocation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.changes import Changes
from kiosk.store.models import DeviceState, OutboxItem, OutboxState, Resident
from kiosk.views import Payment
from sync.status import SyncStatus, read_status_file
from tests.integration.terminal import Terminal, make_terminal, wait_for
from tests.server.live import LiveServer, World, ok


@pytest.fixture
def terminal(tmp_path: Path, central_server: LiveServer, world: World) -> Iterator[Terminal]:
    made = make_terminal(tmp_path, central_server.url, world.devices[0], long_poll_s=2)
    try:
        yield made
    finally:
        made.close()


def residents(terminal: Terminal) -> int:
    with terminal.store.read() as session:
        return int(session.scalar(select(func.count()).select_from(Resident)) or 0)


def outbox_states(terminal: Terminal) -> set[OutboxState]:
    with terminal.store.read() as session:
        return set(session.scalars(select(OutboxItem.state)))


def test_a_purchase_is_pushed_at_once_without_anyone_nudging(
    terminal: Terminal, world: World
) -> None:
    terminal.worker.start()
    wait_for(lambda: terminal.worker.status().online)
    terminal.core.sign_in(world.resident.facility_number, world.resident.pin)
    wait_for(lambda: terminal.worker.status().items_waiting == 0)
    terminal.core.buy_stamps("stamp-1")
    # Its commit wakes the idle push loop, which would otherwise sleep until the next
    # due item (an hour).
    wait_for(lambda: outbox_states(terminal) == {OutboxState.DONE})
    wait_for(lambda: terminal.worker.status().items_waiting == 0)


def test_a_new_message_is_reported_and_its_read_mark_pushed_without_a_nudge(
    terminal: Terminal, world: World, central_server: LiveServer
) -> None:
    reported: list[Changes] = []
    terminal.worker.add_changes_listener(reported.append)
    terminal.worker.start()
    wait_for(lambda: terminal.worker.status().online)
    terminal.core.sign_in(world.resident.facility_number, world.resident.pin)
    wait_for(lambda: terminal.worker.status().items_waiting == 0)
    reported.clear()
    with world.family() as family:
        ok(
            family.post(
                "/v1/family/messages",
                json={
                    "idempotency_key": uuid.uuid4().hex,
                    "contact_id": world.resident.contact_id,
                    "body": "Are you reading this?",
                },
            )
        )
    with central_server.staff() as staff:
        mine = {"resident_id": world.resident.resident_id}
        for item in ok(staff.get("/v1/staff/review", params=mine)):
            ok(staff.post(f"/v1/staff/review/{item['message_id']}", json={"decision": "approve"}))
    wait_for(lambda: any(Changes.MESSAGES in changes for changes in reported))
    inbound = [m for m in terminal.core.inbox_page().messages if m.direction == "inbound"]
    assert [m.body for m in inbound] == ["Are you reading this?"]

    terminal.core.mark_read(inbound[0].message_id)
    wait_for(lambda: outbox_states(terminal) == {OutboxState.DONE})
    assert terminal.worker.status().items_failed == 0


def test_status_snapshot_reaches_listener_and_the_status_file(
    terminal: Terminal,
) -> None:
    seen: list[SyncStatus] = []
    terminal.worker.add_listener(seen.append)
    terminal.worker.start()
    wait_for(lambda: bool(seen) and seen[-1].online)
    status = seen[-1]
    assert status.state == "online"
    assert status.last_success_at is not None
    assert status.offline_since is None
    on_disk = read_status_file(terminal.settings.data_dir)
    assert on_disk is not None and on_disk["state"] == "online"


def test_revoked_device_wipes_residents_forgets_credential_and_says_call_it(
    tmp_path: Path, terminal: Terminal, central_server: LiveServer, world: World
) -> None:
    terminal.worker.start()
    wait_for(lambda: terminal.worker.status().online)
    assert residents(terminal) >= 1
    device_id = world.devices[0][0]
    with central_server.staff() as staff:
        ok(staff.post(f"/v1/staff/devices/{device_id}/revoke"))
    wait_for(lambda: terminal.worker.status().state == "revoked", timeout=30)
    status = terminal.worker.status()
    assert status.call_it is True
    assert status.last_error == "device_revoked"
    assert terminal.credentials.credential() is None
    assert residents(terminal) == 0
    with terminal.store.read() as session:
        assert session.scalar(select(DeviceState.revoked_at)) is not None


def test_wipe_command_removes_resident_data_and_keeps_syncing(
    terminal: Terminal, central_server: LiveServer, world: World
) -> None:
    terminal.worker.start()
    wait_for(lambda: terminal.worker.status().online)
    assert residents(terminal) >= 1
    with central_server.staff() as staff:
        ok(staff.post(f"/v1/staff/devices/{world.devices[0][0]}/wipe"))
    wait_for(lambda: residents(terminal) == 0, timeout=30)
    assert terminal.credentials.credential() is not None
    assert terminal.worker.status().state == "online"


def test_after_a_wipe_a_resident_who_signs_in_again_has_his_contacts_and_balance_back(
    terminal: Terminal, central_server: LiveServer, world: World
) -> None:
    """The feed does not send a wiped terminal its residents' data again (its cursor is
    kept): the sign-in brings his contacts, and the worker's reconcile, which the sign-in
    asks for at once, his balance, so a reply is paid with his stamps, not sent COD."""
    r = world.resident
    terminal.worker.start()
    wait_for(lambda: terminal.worker.status().online)
    terminal.core.sign_in(r.facility_number, r.pin)
    wait_for(lambda: terminal.core.balances().confirmed == 5)  # the world's 5 stamps
    terminal.core.end_session("sign_out")
    with central_server.staff() as staff:
        ok(staff.post(f"/v1/staff/devices/{world.devices[0][0]}/wipe"))
    wait_for(lambda: residents(terminal) == 0, timeout=30)

    terminal.core.sign_in(r.facility_number, r.pin)
    assert [c.contact_id for c in terminal.core.contacts()] == [r.contact_id]
    wait_for(lambda: terminal.core.balances().confirmed == 5)
    sent = terminal.core.send_reply(r.contact_id, None, "Paid with my own stamp")
    assert sent.message.payment == Payment.STAMPS, sent


def test_a_credential_the_server_no_longer_takes_keeps_the_queue_and_calls_it(
    tmp_path: Path, central_server: LiveServer, world: World
) -> None:
    """A 401 (an unknown, replaced or expired credential) refuses the device, not its
    work: the replies stay queued, IT is called, and they go once it is enrolled again
    and started."""
    r = world.resident
    terminal = make_terminal(tmp_path, central_server.url, world.devices[0])
    try:
        assert terminal.worker.sync_once().online  # his stamps and contacts
        terminal.core.sign_in(r.facility_number, r.pin)
        for body in ("first, kept", "second, kept"):
            terminal.core.send_reply(r.contact_id, None, body)
        real = terminal.credentials.credential()
        assert real is not None
        terminal.credentials.store_credential("kd1_" + "x" * 43)  # the server knows it not
        # A send sets its items' next attempt by the backoff first (crash safety): an hour
        # here, so that a queue still held by it after the refusal would show.
        terminal.worker.backoff.delay = lambda failures, retry_after=None: 3600.0  # type: ignore[method-assign]
        status = terminal.worker.sync_once()
        assert (status.state, status.call_it, status.last_error) == (
            "credential_refused",
            True,
            "credential_refused",
        )
        assert OutboxState.FAILED not in outbox_states(terminal)
        assert status.items_waiting >= 2
        # ...and not held back by the backoff their refused send had set: once the device
        # is fixed they go at once (a terminal started right away found none due).
        with terminal.store.read() as session:
            latest = session.scalar(
                select(func.max(OutboxItem.next_attempt_at)).where(
                    OutboxItem.state == OutboxState.PENDING
                )
            )
        assert latest is not None and latest <= terminal.worker.clock()
        terminal.credentials.store_credential(real)  # enrolled again (here: the one it had)
    finally:
        terminal.close()
    again = make_terminal(tmp_path, central_server.url, world.devices[0])  # IT starts it
    try:
        assert again.worker.sync_once().items_waiting == 0
        assert outbox_states(again) == {OutboxState.DONE}
    finally:
        again.close()
    with central_server.staff() as staff:
        queue = ok(staff.get("/v1/staff/review", params={"resident_id": r.resident_id}))
    assert sorted(m["body"] for m in queue) == ["first, kept", "second, kept"]
