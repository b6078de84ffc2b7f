"""The push sequence never goes back: after a wipe, a restore from an older backup or a
re-imaged terminal's re-enrollment, new replies and purchases reach the server.
Nothing the resident did fails for a numbering the resident has no part in."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import delete, select

from kiosk import outbox
from kiosk.store import list_backups, restore_backup
from kiosk.store.backups import take_backup
from kiosk.store.migrate import head_revision
from kiosk.store.models import OutboxItem, OutboxState, SyncCursor
from kiosk.store.revisions import migrations_dir
from kiosk.wipe import wipe_resident_data
from sync import push
from sync.terminal import Terminal
from tests.integration.terminal import make_terminal
from tests.server.live import LiveServer, World

with migrations_dir() as _location:
    HEAD = head_revision(_location)


def states(terminal: Terminal) -> dict[str, str]:
    """Each outbox item's kind and state, by idempotency key."""
    with terminal.store.read() as session:
        return {
            item.idempotency_key: f"{item.kind}:{item.state}:{item.last_error}"
            for item in session.scalars(select(OutboxItem))
        }


def reply_and_purchase(
    terminal: Terminal, world: World, text: str, *, audit_refused: bool = False
) -> None:
    """Sign in, buy stamps and send a reply, then push it all.

    ``audit_refused``: the terminal's audit chain went back too (a restored or new
    store), so the server may refuse audit events whose chain ``seq`` it holds
    (``audit_seq_taken``, seen by IT); the resident's work must still go through.
    """
    resident = world.resident
    terminal.core.sign_in(resident.facility_number, resident.pin)
    terminal.core.buy_stamps("stamp-1")
    terminal.core.send_reply(resident.contact_id, None, text)
    terminal.core.end_session("sign_out")
    report = push.push_due(terminal.store, terminal.client, clock=terminal.worker.clock)
    refused = [state for state in states(terminal).values() if ":failed:" in state]
    if audit_refused:
        assert all(state == "audit:failed:audit_seq_taken" for state in refused), refused
    else:
        assert report.rejected == 0 and not refused, refused


def resident_work_done(terminal: Terminal) -> None:
    with terminal.store.read() as session:
        items = list(session.scalars(select(OutboxItem).where(OutboxItem.kind != "audit")))
    assert {item.kind for item in items} == {"send_message", "purchase_stamps"}
    assert {item.state for item in items} == {OutboxState.DONE}, states(terminal)


def all_done(terminal: Terminal) -> None:
    with terminal.store.read() as session:
        items = list(session.scalars(select(OutboxItem)))
    assert items, "nothing was queued"
    assert {item.state for item in items} == {OutboxState.DONE}, states(terminal)


def test_after_a_wipe_new_replies_and_purchases_are_accepted(
    tmp_path: Path, central_server: LiveServer
) -> None:
    world = central_server.world(residents=1, debit_cents=5000, stamps=5)
    terminal = make_terminal(tmp_path, central_server.url, world.devices[0])
    try:
        assert terminal.worker.sync_once().online
        reply_and_purchase(terminal, world, "before the wipe")
        all_done(terminal)
        with terminal.store.read() as session:
            before = outbox.last_seq(session)
        assert before >= 2

        # The staff wipe, as the pull obeys it; then the feed is read again from the
        # start (this test's way to bring the resident back onto the emptied terminal).
        with terminal.store.write() as session:
            wipe_resident_data(session, "wipe", terminal.worker.clock())
            session.execute(delete(SyncCursor))
        assert [state.split(":")[:2] for state in states(terminal).values()] == [
            ["audit", "pending"]  # the wipe's own audit event, continuing the chain
        ]
        assert terminal.worker.sync_once().online

        reply_and_purchase(terminal, world, "after the wipe")
        all_done(terminal)
        with terminal.store.read() as session:
            assert session.scalar(select(OutboxItem.id).order_by(OutboxItem.id).limit(1)) > before
            assert outbox.sequence_report(session).jumps == 0  # no refusal was needed
        status = terminal.worker.sync_once()
        assert status.online and status.items_failed == 0
    finally:
        terminal.close()


def test_after_a_restore_from_an_older_backup_new_work_is_accepted(
    tmp_path: Path, central_server: LiveServer
) -> None:
    world = central_server.world(residents=1, debit_cents=5000, stamps=5)
    terminal = make_terminal(tmp_path, central_server.url, world.devices[0])
    path = terminal.store.path
    try:
        assert terminal.worker.sync_once().online
        reply_and_purchase(terminal, world, "kept in the backup")
    finally:
        terminal.close()
    take_backup(path, HEAD)
    [backup] = list_backups(path)

    terminal = make_terminal(tmp_path, central_server.url, world.devices[0])
    try:
        reply_and_purchase(terminal, world, "lost with the restore")
        all_done(terminal)
        with terminal.store.read() as session:
            server_mark = outbox.last_seq(session)
    finally:
        terminal.close()

    restore_backup(path, backup)  # what kite-admin restore-backup does, Kite stopped
    terminal = make_terminal(tmp_path, central_server.url, world.devices[0])
    try:
        with terminal.store.read() as session:
            assert outbox.last_seq(session) < server_mark  # the older counter came back
        assert terminal.worker.sync_once().online
        reply_and_purchase(terminal, world, "after the restore", audit_refused=True)
        resident_work_done(terminal)
        with terminal.store.read() as session:
            report = outbox.sequence_report(session)
        assert report.jumps == 1 and report.server_mark == server_mark
        assert report.last_seq > server_mark
        assert terminal.worker.sync_once().online
    finally:
        terminal.close()


def test_a_terminal_enrolled_again_under_its_device_id_jumps_past_the_servers_mark(
    tmp_path: Path, central_server: LiveServer
) -> None:
    world = central_server.world(residents=1, debit_cents=5000, stamps=5)
    device_id = world.devices[0][0]
    first = make_terminal(tmp_path, central_server.url, world.devices[0], name="before")
    try:
        assert first.worker.sync_once().online
        reply_and_purchase(first, world, "from the old image")
        all_done(first)
        source = first.store.path
    finally:
        first.close()

    # Revoked, re-imaged and enrolled again under the same device ID: the server keeps
    # the device's mark (no new epoch), while the new image's sequence starts from 0.
    # The image is the old store with its outbox and sequence emptied; it reads the feed
    # again from its start, where the revoke of its earlier enrollment is not for it.
    with central_server.staff() as staff:
        assert staff.post(f"/v1/staff/devices/{device_id}/revoke").is_success
    _same_id, credential = central_server.enroll_device([world.unit], device_id=device_id)
    target = tmp_path / "after" / source.name
    target.parent.mkdir()
    with sqlite3.connect(source) as old, sqlite3.connect(target) as new:
        old.backup(new)
        new.execute("DELETE FROM outbox")
        new.execute("UPDATE push_sequence SET last_seq = 0")
        new.execute("DELETE FROM sync_cursor")
    second = make_terminal(tmp_path, central_server.url, (device_id, credential), name="after")
    try:
        status = second.worker.sync_once()
        assert status.online and status.state != "revoked", status
        reply_and_purchase(second, world, "from the new image")
        all_done(second)
        with second.store.read() as session:
            report = outbox.sequence_report(session)
        assert report.jumps == 1 and report.server_mark is not None and report.server_mark > 0
    finally:
        second.close()
