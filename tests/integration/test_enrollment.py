"""IT enrolls a terminal from the command line; the credential ends up in the keyring only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs

from kiosk.store import checks
from sync.credentials import CREDENTIAL_KEY, SECRET_KEY, SERVICE
from sync.enrollment import EnrollmentTicket
from tests import sealed
from tests.server.live import LiveServer, ok


def admin(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sync.admin", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def terminal_env(tmp_path: Path, server: LiveServer) -> dict[str, str]:
    config = tmp_path / "kite.toml"
    data = tmp_path / "data"
    config.write_text(
        f'server_url = "{server.url}"\ndata_dir = "{data}"\ndevice_name = "Unit A kiosk 3"\n',
        encoding="utf-8",
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KITE_") or k == "KITE_CREDENTIAL_FILE"
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return {**env, "KITE_CONFIG": str(config)}


def enrollment_qr_payload(shown: dict[str, str], lines: list[str]) -> str:
    """What the printed QR code holds (rebuilt from the printed fields, as IT's scanner reads)."""
    fields = dict(line.partition(":")[::2] for line in lines if ":" in line)
    ticket = EnrollmentTicket(
        shown["Device ID"], shown["Code"], fields["Facility"].strip(), fields["Device name"].strip()
    )
    payload = ticket.qr_payload()
    assert set(parse_qs(payload.partition("?")[2])) == {"device", "code", "facility", "name"}
    return payload


def test_enroll_shows_code_and_qr_waits_for_approval_and_keeps_credential_in_keyring(
    tmp_path: Path, central_server: LiveServer
) -> None:
    env = terminal_env(tmp_path, central_server)
    process = admin("enroll", "--interval", "0.2", "--timeout", "60", env=env)
    assert process.stdout is not None
    shown: dict[str, str] = {}
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        key, _, value = line.partition(":")
        if key in ("Device ID", "Code"):
            shown[key] = value.strip()
        if line.startswith("Waiting for staff"):
            break
    assert set(shown) == {"Device ID", "Code"}, "".join(lines)
    assert any("█" in line or "▀" in line for line in lines)  # the QR code
    # The collection secret is in the keyring, and neither printed nor in the QR code.
    backend = sealed.keyring_of(tmp_path / "data")
    collection_secret = backend.get_password(SERVICE, SECRET_KEY)
    assert collection_secret is not None and len(collection_secret) >= 40
    assert collection_secret not in "".join(lines)
    assert collection_secret not in enrollment_qr_payload(shown, lines)
    with central_server.staff() as staff:
        pending = ok(staff.get("/v1/staff/devices", params={"state": "pending"}))
        assert any(d["device_id"] == shown["Device ID"] for d in pending)
        ok(
            staff.post(
                f"/v1/staff/devices/{shown['Device ID']}/approve",
                json={"housing_units": ["unit-a"], "one_time_code": shown["Code"]},
            )
        )
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Approved" in out

    keyring_file = tmp_path / "data" / "keyring.enc"
    assert oct(keyring_file.stat().st_mode & 0o777) == "0o600"
    assert collection_secret.encode() not in keyring_file.read_bytes()  # sealed
    assert not checks.has_sqlite_header(tmp_path / "data" / "kite.db")  # encrypted at rest
    status = subprocess.run(
        [sys.executable, "-m", "sync.admin", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(status.stdout)
    assert report["enrolled"] is True
    assert report["device_id"] == shown["Device ID"]
    # The credential is in the keyring file, and nowhere else on disk.
    secret = backend.get_password(SERVICE, CREDENTIAL_KEY)
    assert backend.get_password(SERVICE, SECRET_KEY) is None  # forgotten once collected
    assert secret is not None and len(secret) >= 20
    for path in (tmp_path / "kite.toml", tmp_path / "data" / "kite.db"):
        assert secret.encode() not in path.read_bytes()


def test_status_of_an_unenrolled_terminal_says_so(
    tmp_path: Path, central_server: LiveServer
) -> None:
    env = terminal_env(tmp_path, central_server)
    result = subprocess.run(
        [sys.executable, "-m", "sync.admin", "status"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Enrolled:      no" in result.stdout


def test_enroll_gives_up_politely_when_nobody_approves(
    tmp_path: Path, central_server: LiveServer
) -> None:
    env = terminal_env(tmp_path, central_server)
    assert not (tmp_path / "data").exists()  # IT's first start: enroll creates the folder
    process = admin("enroll", "--no-qr", "--interval", "0.1", "--timeout", "0.5", env=env)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 3
    assert (tmp_path / "data" / "kite.db").is_file()
    assert "Still waiting for approval" in out
    # A second run resumes the same enrollment: same device, same code.
    again = admin("enroll", "--no-qr", "--interval", "0.1", "--timeout", "0.3", env=env)
    out_again, _ = again.communicate(timeout=60)
    code = [line for line in out.splitlines() if line.startswith("Code:")]
    assert code and code == [line for line in out_again.splitlines() if line.startswith("Code:")]
