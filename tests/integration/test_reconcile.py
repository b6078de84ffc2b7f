"""After a sync the terminal compares balances with the server and takes its figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import feed
from kiosk.store.models import DebitSnapshot
from sync import reconcile
from tests.integration.terminal import Terminal, make_terminal
from tests.server.live import LiveServer, World


@pytest.fixture
def terminal(tmp_path: Path, central_server: LiveServer, world: World) -> Iterator[Terminal]:
    made = make_terminal(tmp_path, central_server.url, world.devices[0])
    try:
        assert made.worker.sync_once().online
        yield made
    finally:
        made.close()


def test_balances_that_agree_produce_no_mismatch(terminal: Terminal) -> None:
    report = reconcile.reconcile(terminal.store, terminal.client, clock=terminal.worker.clock)
    assert report.residents >= 1
    assert report.mismatches == []


def test_wrong_local_debit_balance_is_replaced_by_the_servers(
    terminal: Terminal, central_server: LiveServer, world: World
) -> None:
    resident = world.resident
    _, server_cents = central_server.balances(resident.resident_id)
    with terminal.store.write() as session:
        session.add(
            DebitSnapshot(
                resident_id=resident.resident_id,
                cents=server_cents + 777,
                # newer than the figure it pulled, older than the server's answer to come
                as_of=terminal.worker.clock(),
            )
        )
    report = reconcile.reconcile(terminal.store, terminal.client, clock=terminal.worker.clock)
    assert (resident.resident_id, "debit_cents", server_cents + 777, server_cents) in (
        report.mismatches
    )
    assert report.snapshots_applied == 1
    again = reconcile.reconcile(terminal.store, terminal.client, clock=terminal.worker.clock)
    assert again.mismatches == []


def test_server_restored_from_an_older_backup_is_read_again_from_its_start(
    terminal: Terminal,
) -> None:
    """A cursor the server never issued (409 cursor_ahead) makes the terminal re-read the feed."""
    from sqlalchemy import func, select

    from kiosk.store.models import LedgerEntry, SyncCursor
    from sync import pull

    with terminal.store.read() as session:
        entries_before = session.scalar(select(func.count()).select_from(LedgerEntry))
    assert entries_before, "the world's stamps arrived as ledger entries"
    with terminal.store.write() as session:
        row = session.get(SyncCursor, pull.FEED_SCOPE)
        assert row is not None
        row.cursor = "987654321"  # far beyond anything this server has issued
    report = pull.pull_until_caught_up(terminal.store, terminal.client, clock=terminal.worker.clock)
    assert report.rewound
    stored = feed.current_cursor(terminal.store)
    assert stored is not None and int(stored) < 987654321
    with terminal.store.read() as session:
        # everything is still there exactly once: re-reading changed nothing
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == entries_before
    assert terminal.worker.sync_once().online
