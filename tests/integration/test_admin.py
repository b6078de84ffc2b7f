"""kite-admin's store commands: IT lists backups and puts one back, with Kite stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from kiosk import outbox
from kiosk.clock import utcnow
from kiosk.store import open_store
from kiosk.store.backups import take_backup
from kiosk.store.models import SyncCursor
from sync.credentials import CREDENTIAL_KEY, SERVICE
from tests import sealed
from tests.server.live import LiveServer, World


def admin(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KITE_") or k == "KITE_CREDENTIAL_FILE"
    }
    env["KITE_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "sync.admin", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_restore_backup_puts_the_newest_backup_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{data}"\n', encoding="utf-8")
    store = open_store(data / "kite.db")
    with store.write() as session:
        session.add(SyncCursor(scope="changes", cursor="41", updated_at=utcnow()))
    store.close()
    take_backup(data / "kite.db", "0001")
    store = open_store(data / "kite.db")
    with store.write() as session:
        row = session.get(SyncCursor, "changes")
        assert row is not None
        row.cursor = "99"
    store.close()

    listed = admin(config, "list-backups")
    assert listed.returncode == 0 and "revision 0001" in listed.stdout
    restored = admin(config, "restore-backup")
    assert restored.returncode == 0, restored.stderr
    store = open_store(data / "kite.db")
    with store.read() as session:
        assert session.scalar(select(SyncCursor.cursor)) == "41"
    store.close()


def test_restore_refuses_while_kite_has_the_database_open(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{data}"\n', encoding="utf-8")
    store = open_store(data / "kite.db")
    store.close()
    take_backup(data / "kite.db", "0001")
    store = open_store(data / "kite.db")
    try:
        with store.read() as session:  # a running Kite holds the file
            session.scalar(select(SyncCursor.cursor))
            result = admin(config, "restore-backup")
    finally:
        store.close()
    assert result.returncode == 1
    assert "Stop Kite" in result.stderr


def test_sync_command_runs_one_round_and_status_shows_it(
    tmp_path: Path, central_server: LiveServer, world: World
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "kite.toml"
    config.write_text(
        f'server_url = "{central_server.url}"\ndata_dir = "{data}"\nlong_poll_s = 0\n',
        encoding="utf-8",
    )
    backend = sealed.keyring_of(data)  # the kiosk's sealed keyring
    backend.set_password(SERVICE, CREDENTIAL_KEY, world.credential)

    synced = admin(config, "sync")
    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)["state"] == "online"
    status = admin(config, "status")
    assert "Sync state:    online" in status.stdout
    assert "Cursor:        (nothing pulled yet)" not in status.stdout


def test_sync_command_refuses_a_missing_data_folder_and_creates_nothing(tmp_path: Path) -> None:
    unmounted = tmp_path / "mnt" / "kite"
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{unmounted}"\n', encoding="utf-8")
    result = admin(config, "sync")
    assert result.returncode == 1
    assert f"{unmounted} for Kite's database does not exist" in result.stderr
    assert not unmounted.exists()


def test_status_counts_items_set_aside_after_repeated_server_errors(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{data}"\n', encoding="utf-8")
    store = open_store(data / "kite.db")
    with store.write() as session:
        item = outbox.enqueue(
            session,
            "mark_read",
            {"resident_id": "r1", "message_id": "m1", "read_at": "2026-11-23T08:00:00Z"},
            utcnow(),
        )
        outbox.mark_failed(session, item, outbox.SET_ASIDE, utcnow())
    store.close()

    status = admin(config, "status")
    assert status.returncode == 0, status.stderr
    assert "0 waiting, 1 refused" in status.stdout
    assert "Set aside:     1 refused after repeated server errors" in status.stdout
    assert json.loads(admin(config, "status", "--json").stdout)["set_aside"] == 1


def test_status_shows_the_push_sequence_its_jumps_and_items_it_could_not_save(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{data}"\n', encoding="utf-8")
    store = open_store(data / "kite.db")
    payload = {"resident_id": "r1", "message_id": "m1", "read_at": "2026-11-23T08:00:00Z"}
    with store.write() as session:
        outbox.enqueue(session, "mark_read", payload, utcnow())
    with store.write() as session:
        assert outbox.renumber_past(session, 40, utcnow()) == 1
    with store.write() as session:
        item = outbox.enqueue(session, "mark_read", payload, utcnow())
        outbox.mark_failed(session, item, outbox.SEQUENCE_REFUSED, utcnow())
    store.close()

    status = admin(config, "status")
    assert status.returncode == 0, status.stderr
    assert "Sequence:      last seq 42; moved past the server's mark 40 1 time(s)" in status.stdout
    assert "Seq refused:   1 refused as sequence_regressed" in status.stdout
    report = json.loads(admin(config, "status", "--json").stdout)
    assert report["sequence"]["last_seq"] == 42 and report["sequence"]["jumps"] == 1
    assert report["sequence_refused"] == 1
