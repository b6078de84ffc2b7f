"""The terminal killed at each point of a credential rotation keeps a working credential.

A terminal process (``tests.fault.crash_terminal recover``) starts with the credential
it was enrolled with and no rotation time, so its first sync round rotates; it is
SIGKILLed at a point of ``sync.faults.ROTATION_POINTS``: before asking, after the
server answered but before the keyring has the new credential, after the keyring has
it but before the server saw it used. Then: the credential left in the keyring works,
the terminal started again syncs, and the server never took the genuine terminal for
a thief (the device is not suspended).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync import faults
from sync.credentials import CREDENTIAL_KEY, CREDENTIAL_SINCE_KEY, SERVICE
from tests import sealed
from tests.server.live import LiveServer, ok


def _terminal(env: dict[str, str], world_ids: list[str], fault: str | None) -> int:
    run_env = dict(env)
    if fault:
        run_env[faults.ENV] = fault
    args = [sys.executable, "-m", "tests.fault.crash_terminal", "recover", *world_ids, "rotation"]
    done = subprocess.run(
        args, env=run_env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode in (0, -9), done.stderr[-3000:]
    return done.returncode


@pytest.mark.parametrize("point", faults.ROTATION_POINTS)
def test_a_kill_anywhere_in_a_rotation_leaves_a_working_credential_and_no_suspicion(
    point: str, tmp_path: Path, central_server: LiveServer
) -> None:
    world = central_server.world(residents=1, devices=1)
    data = tmp_path / "terminal"
    data.mkdir()
    keyring = sealed.keyring_of(data)
    keyring.set_password(SERVICE, CREDENTIAL_KEY, world.credential)
    config = data / "kite.toml"
    config.write_text("# everything comes from KITE_* variables\n", encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if k not in (faults.ENV, "PYTHON_KEYRING_BACKEND")},
        "KITE_CONFIG": str(config),
        "KITE_SERVER_URL": central_server.url,
        "KITE_DATA_DIR": str(data),
        "KITE_LONG_POLL_S": "0",
    }
    r = world.resident
    ids = [world.devices[0][0], r.facility_number, r.pin, r.contact_id]

    assert _terminal(env, ids, f"{point}@1") == -9  # really killed there
    left = keyring.get_password(SERVICE, CREDENTIAL_KEY)
    assert left is not None
    if point == "rotate.after_store":
        assert left != world.credential  # the new one was kept before the kill
    with central_server.client(left) as device:
        assert device.get("/v1/changes").status_code == 200

    assert _terminal(env, ids, None) == 0  # started again: online, outbox drained
    assert keyring.get_password(SERVICE, CREDENTIAL_SINCE_KEY)  # rotated, and knows when
    current = keyring.get_password(SERVICE, CREDENTIAL_KEY)
    assert current is not None and current != world.credential
    with central_server.client(current) as device:
        assert device.get("/v1/changes").status_code == 200
    with central_server.staff() as staff:
        [view] = [
            d for d in ok(staff.get("/v1/staff/devices")) if d["device_id"] == world.devices[0][0]
        ]
    assert view["suspended_at"] is None
