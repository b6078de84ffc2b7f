"""``kite-admin doctor`` as IT runs it: against the real reference server, real SQLite files
and the file keyring, each broken piece named with its fix, and a healthy terminal passing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from kiosk.store import list_backups, open_store
from kiosk.store.backups import take_backup
from kiosk.store.revisions import migrations_dir, shipped_revisions
from sync.credentials import CREDENTIAL_KEY, SERVICE
from sync.doctor_host import check_fonts
from tests import sealed
from tests.security.certs import make_authority
from tests.server.live import LiveServer, ServerTls


def doctor(config: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``kite-admin doctor`` in a process of its own, as IT runs it."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KITE_") or k == "KITE_CREDENTIAL_FILE"
    }
    environment.update(env, KITE_CONFIG=str(config))
    return subprocess.run(
        [sys.executable, "-m", "sync.admin", "doctor"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def terminal(tmp_path: Path, server_url: str, credential: str | None, **keys: str) -> Path:
    """A terminal's data folder (0700), store, keyring file and configuration; the config path."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700, parents=True)
    data.chmod(0o700)
    keyring = sealed.keyring_of(data)
    store = open_store(data / "kite.db", keyring.store_key())  # encrypted, as the kiosk's
    store.close()
    (data / "kite.db").chmod(0o600)
    if credential:
        keyring.set_password(SERVICE, CREDENTIAL_KEY, credential)
    config = tmp_path / "kite.toml"
    lines = [f'server_url = "{server_url}"', f'data_dir = "{data}"']
    lines += [f'{key} = "{value}"' for key, value in keys.items()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def on_real_time(server: LiveServer, plus_s: float = 0.0) -> None:
    """The server's clock set to real time (plus ``plus_s``): kite-admin reads the real clock."""
    server.advance_clock(plus_s - (server.now() - datetime.now(UTC)).total_seconds())


def head_revision() -> str:
    with migrations_dir() as scripts:
        return shipped_revisions(scripts)[-1]


def problems(output: str) -> list[str]:
    """The checks that found a problem, in the order doctor printed them."""
    return [
        line.removeprefix("PROBLEM").split(":")[0].strip()
        for line in output.splitlines()
        if line.startswith("PROBLEM")
    ]


def test_a_healthy_terminal_passes_against_the_reference_server(
    tmp_path: Path, private_server: LiveServer
) -> None:
    on_real_time(private_server)
    world = private_server.world(residents=1)
    config = terminal(tmp_path, private_server.url, world.credential)

    result = doctor(config)

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "PROBLEM" not in out
    assert "mode 0700, owned by" in out
    assert "ok       Keyring:     a device credential is present (sealed keyring" in out
    assert f"ok       Server:      {private_server.url} answers" in out
    assert "ok       Enrollment:  the server takes this terminal's credential" in out
    assert "ok       Clock:       within a second of the server's" in out
    assert "ok       Disk:" in out and "MiB free" in out
    assert "ok       Qt:          platform plugin 'offscreen'" in out
    assert "ok       Fonts:" in out
    assert f"intact (integrity_check), schema revision {head_revision()}" in out
    assert "is encrypted (SQLCipher) with this device's key" in out
    assert "this machine has a TPM2" in out or "no TPM2 here: the host key alone" in out
    assert out.rstrip().endswith("No problems found.")


def test_a_broken_terminal_with_the_server_down_names_each_problem_and_its_fix(
    tmp_path: Path, private_server: LiveServer
) -> None:
    ca = tmp_path / "not-a-ca.pem"
    ca.write_text("this is not a certificate\n", encoding="utf-8")
    config = terminal(tmp_path, private_server.url, None, ca_bundle=str(ca))
    data = tmp_path / "data"
    database = data / "kite.db"
    take_backup(database, head_revision(), key=sealed.keyring_of(data).store_key())
    with database.open("r+b") as file:  # a page of the store overwritten: a disk fault
        file.seek(4096 * 3)
        file.write(b"\xa5" * 4096)
    database.chmod(0o644)
    data.chmod(0o755)
    private_server.stop()

    result = doctor(config, QT_QPA_PLATFORM="nosuch")

    assert result.returncode == 1
    out = result.stdout
    assert problems(out) == [
        "Permissions",
        "Permissions",
        "Permissions",
        "Keyring",
        "CA bundle",
        "Server",
        "Qt",
        "Store",
    ]
    assert f"the data folder {data} is mode 0755" in out and f"chmod 0700 {data}" in out
    assert f"{database} is mode 0644: readable by other users" in out
    assert f"chmod 600 {database}" in out
    (backup,) = list_backups(database)  # taken under the test's umask 022, as IT's shell has
    assert f"{backup.path} is mode 0644: readable by other users" in out
    assert "no device credential in the keyring" in out
    assert "Fix:         Enroll this terminal: kite-admin enroll" in out
    assert f"{ca} cannot be read as PEM certificates" in out
    assert f"cannot reach {private_server.url}: [Errno 111] Connection refused" in out
    assert "that kite-central runs" in out
    assert "no Qt platform plugin 'nosuch'" in out
    assert f"{database} is damaged: SQLite's integrity check reports" in out
    assert f"put the newest backup back: kite-admin restore-backup ({backup.path})" in out
    assert out.rstrip().endswith("8 problem(s) found.")


def test_a_server_certificate_the_ca_bundle_does_not_verify(tmp_path: Path) -> None:
    facility = make_authority(tmp_path / "facility", "Facility")
    stranger = make_authority(tmp_path / "stranger", "Stranger")
    (tmp_path / "central").mkdir()
    tls = ServerTls(facility.server_cert, facility.server_key, facility.ca_pem)
    server = LiveServer.start(tmp_path / "central", tls=tls)
    try:
        on_real_time(server)
        world = server.world(residents=1)
        wrong = terminal(
            tmp_path / "wrong", server.url, world.credential, ca_bundle=str(stranger.ca_pem)
        )
        right = terminal(
            tmp_path / "right", server.url, world.credential, ca_bundle=str(facility.ca_pem)
        )
        refused, trusted = doctor(wrong), doctor(right)
    finally:
        server.stop()

    assert refused.returncode == 1
    assert problems(refused.stdout) == ["TLS"]
    assert f"the TLS connection to {server.url} does not verify" in refused.stdout
    assert "CERTIFICATE_VERIFY_FAILED" in refused.stdout
    assert f"not signed by a CA in {stranger.ca_pem}: put the CA that signed it" in refused.stdout
    assert trusted.returncode == 0, trusted.stdout
    assert f"{server.url} answers, TLS verified against {facility.ca_pem}" in trusted.stdout


def test_a_clock_an_hour_off_and_a_credential_the_server_does_not_know(
    tmp_path: Path, private_server: LiveServer
) -> None:
    on_real_time(private_server, plus_s=3600)  # within the test server's window (3 days)
    config = terminal(tmp_path, private_server.url, "not-a-credential-the-server-issued")

    result = doctor(config)

    assert result.returncode == 1
    assert problems(result.stdout) == ["Clock", "Enrollment"]
    assert "this terminal's clock is 1 h 0 min behind the server's" in result.stdout
    assert "timedatectl set-ntp true" in result.stdout
    assert "the server does not take this terminal's credential" in result.stdout
    assert "kite-admin enroll --force" in result.stdout


def test_a_clock_the_server_refuses(tmp_path: Path) -> None:
    (tmp_path / "central").mkdir()
    server = LiveServer.start(tmp_path / "central", env={"KITE_CENTRAL_CLOCK_WINDOW_S": "300"})
    try:
        on_real_time(server, plus_s=-3600)
        world = server.world(residents=1)
        result = doctor(terminal(tmp_path, server.url, world.credential))
    finally:
        server.stop()

    assert result.returncode == 1
    assert problems(result.stdout) == ["Clock"]
    assert (
        "this terminal's clock is 1 h 0 min ahead of the server's (the server allows 300 s): "
        "THE SERVER REFUSES IT" in result.stdout
    )


def test_no_fonts_is_a_problem_with_its_package(tmp_path: Path) -> None:
    (finding,) = check_fonts((tmp_path,))
    assert not finding.ok
    assert finding.fix == "apt-get install fonts-dejavu-core"


def test_an_unprovisioned_secrets_key_and_a_plain_store_are_named_with_their_fixes(
    tmp_path: Path,
) -> None:
    """An upgraded terminal before its first start: no sealed key yet, the old plain store."""
    config = terminal(tmp_path, "http://127.0.0.1:9", None)
    database = tmp_path / "data" / "kite.db"
    database.unlink()
    open_store(database).close()  # an earlier Kite's plain store
    database.chmod(0o600)

    result = doctor(config, KITE_CREDENTIAL_FILE=str(tmp_path / "never-provisioned"))

    out = result.stdout
    assert result.returncode == 1
    assert "Keyring" in problems(out) and "Encryption" in problems(out)
    assert "the secrets key cannot be unsealed: no credential 'kite-secrets'" in out
    assert "Fix:         As root: kite-admin provision-secrets" in out
    assert f"{database} is not encrypted: whoever copies the disk reads every message" in out
