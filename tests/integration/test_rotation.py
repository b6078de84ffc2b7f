"""The terminal rotates its device credential right after enrollment and then on its
schedule, through the real server; IT reads the credential's age in ``kite-admin status``.
The keyring file is replaced whole, so a failed write leaves the old credential."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.config import Settings
from sync.credentials import (
    CREDENTIAL_KEY,
    SERVICE,
    CredentialStore,
    configure_keyring,
)
from tests import sealed
from tests.integration.terminal import make_terminal
from tests.integration.test_admin import admin
from tests.server.live import LiveServer, World


def _works(server: LiveServer, credential: str | None) -> bool:
    assert credential is not None
    with server.client(credential) as device:
        return device.get("/v1/changes").status_code == 200


def test_kite_admin_sync_rotates_after_enrollment_and_status_shows_the_age(
    tmp_path: Path, central_server: LiveServer, world: World
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "kite.toml"
    config.write_text(
        f'server_url = "{central_server.url}"\ndata_dir = "{data}"\nlong_poll_s = 0\n'
        "credential_rotation_days = 7\n",
        encoding="utf-8",
    )
    keyring = sealed.keyring_of(data)
    keyring.set_password(SERVICE, CREDENTIAL_KEY, world.credential)  # as collected

    before = admin(config, "status")
    assert "Credential:    rotation due at the next sync round (then every 7 days)" in before.stdout
    assert admin(config, "sync").returncode == 0
    rotated = keyring.get_password(SERVICE, CREDENTIAL_KEY)
    assert rotated != world.credential and _works(central_server, rotated)

    after = admin(config, "status")
    assert "Credential:    last rotated " in after.stdout
    assert "(0 days ago); next rotation due " in after.stdout
    assert admin(config, "sync").returncode == 0  # not due again: the same credential
    assert keyring.get_password(SERVICE, CREDENTIAL_KEY) == rotated


@pytest.mark.parametrize(("age_days", "rotates"), [(29, False), (30, True)])
def test_the_worker_rotates_when_the_schedule_says_so(
    tmp_path: Path, central_server: LiveServer, world: World, age_days: int, rotates: bool
) -> None:
    terminal = make_terminal(tmp_path, central_server.url, world.devices[0])
    try:
        now = terminal.worker.clock()
        terminal.credentials.store_credential_since(now - timedelta(days=age_days))
        assert terminal.worker.sync_once().online
        current = terminal.credentials.credential()
        assert (current != world.credential) is rotates
        assert _works(central_server, current)
        since = terminal.credentials.credential_since()
        assert since is not None
        assert since >= now if rotates else since == now - timedelta(days=age_days)
    finally:
        terminal.close()


def test_a_keyring_write_that_fails_midway_leaves_the_old_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure_keyring(Settings(data_dir=tmp_path))  # the kiosk's sealed keyring
    credentials = CredentialStore()
    credentials.store_credential("kd1_the-credential-in-use-0123456789")

    def power_cut(*_args: object) -> None:  # the new copy is written; it never replaces
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(Exception, match="power cut"):
        credentials.store_credential("kd1_the-next-credential-9876543210")
    monkeypatch.undo()
    assert credentials.credential() == "kd1_the-credential-in-use-0123456789"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.enc"]  # no scratch left


def test_the_sync_threads_always_read_a_credential_while_a_rotation_writes_it(
    tmp_path: Path,
) -> None:
    configure_keyring(Settings(data_dir=tmp_path))  # the kiosk's sealed keyring
    credentials = CredentialStore()
    credentials.store_credential("kd1_credential-number-0000000000")
    missing: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            if credentials.credential() is None:
                missing.append(1)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for n in range(60):
            credentials.store_credential(f"kd1_credential-number-{n:010d}")
            credentials.store_credential_since(datetime.now(UTC))
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert not missing
