"""One refused item never costs the items beside it their effect, through the real terminal."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, func, select, text

from kiosk.store.models import AuditEvent, OutboxItem, OutboxState
from sync import pull, push
from tests.integration.terminal import make_terminal
from tests.server.live import LiveServer


def test_an_audit_event_reusing_a_seq_the_server_has_is_refused_alone_and_the_purchase_applies(
    tmp_path: Path, central_server: LiveServer
) -> None:
    world = central_server.world(residents=1, debit_cents=1000, stamps=5)
    terminal = make_terminal(tmp_path, central_server.url, world.devices[0])
    try:
        pull.pull_until_caught_up(terminal.store, terminal.client, clock=terminal.worker.clock)
        terminal.core.sign_in(world.resident.facility_number, world.resident.pin)
        push.push_due(terminal.store, terminal.client, clock=terminal.worker.clock)
        # The audit table comes back from an older copy: the next event reuses the last
        # seq the server already holds, with another hash.
        with terminal.store.write() as session:
            top = session.scalar(select(func.max(AuditEvent.seq)))
            guards = session.execute(
                text(
                    "SELECT name, sql FROM sqlite_master"
                    " WHERE type = 'trigger' AND tbl_name = 'audit_events'"
                )
            ).all()
            for name, _sql in guards:
                session.execute(text(f'DROP TRIGGER "{name}"'))
            session.execute(delete(AuditEvent).where(AuditEvent.seq == top))
            for _name, sql in guards:
                session.execute(text(sql))
        terminal.core.buy_stamps("book-10")
        with terminal.store.read() as session:
            queued = list(
                session.scalars(
                    select(OutboxItem)
                    .where(OutboxItem.state == OutboxState.PENDING)
                    .order_by(OutboxItem.id)
                )
            )
        kinds = {i.kind for i in queued}
        assert kinds == {"audit", "purchase_stamps"}
        assert any(i.kind == "audit" and i.payload["seq"] == top for i in queued)

        report = push.push_due(terminal.store, terminal.client, clock=terminal.worker.clock)

        assert report.batches == 1  # one request: the conflict did not split it
        with terminal.store.read() as session:
            settled = {
                i.kind: (i.state, i.last_error)
                for i in session.scalars(
                    select(OutboxItem).where(OutboxItem.id.in_([q.id for q in queued]))
                )
            }
        assert settled["purchase_stamps"] == (OutboxState.DONE, None)
        assert settled["audit"][0] == OutboxState.FAILED
        assert settled["audit"][1] is not None and "audit_seq_taken" in settled["audit"][1]
        assert central_server.balances(world.resident.resident_id) == (15, 550)
        assert terminal.core.balances().confirmed == 15
    finally:
        terminal.close()
