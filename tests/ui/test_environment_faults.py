"""KITE_FAULT, the crash suite's kill switch, does nothing in a shipped program.

The attack: ``KITE_FAULT`` in the environment of a terminal's real program
(``kite-admin sync``: a sync round against the real server passes the fault
points of push and pull) should kill it mid-write. It does not: fault points act
only in a process the crash suite armed (``tests/fault``), which the control
shows dying at the same point, and a frozen bundle cannot be armed at all.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from sync import faults
from sync.credentials import CREDENTIAL_KEY, SERVICE
from tests import sealed
from tests.server.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]
ARMED_ADMIN = (
    "import sys\n"
    "from sync import faults\n"
    "faults.arm()  # what only the crash suite's programs do\n"
    "from sync.admin import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def enrolled_terminal(server: LiveServer, tmp_path: Path) -> Path:
    """A terminal's configuration with a device credential in its file keyring."""
    world = server.world(residents=1, devices=1)
    data = tmp_path / "data"
    data.mkdir()
    backend = sealed.keyring_of(data)  # the kiosk's sealed keyring
    backend.set_password(SERVICE, CREDENTIAL_KEY, world.credential)
    config = tmp_path / "kite.toml"
    config.write_text(
        f'server_url = "{server.url}"\ndata_dir = "{data}"\nlong_poll_s = 0\n',
        encoding="utf-8",
    )
    return config


def run(args: list[str], config: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KITE_") or k == "KITE_CREDENTIAL_FILE"
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env[faults.ENV] = "pull.after_fetch"  # passed on every pull
    return subprocess.run(
        [sys.executable, *args, "--config", str(config), "sync"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_kite_fault_in_a_terminals_environment_kills_nothing(
    central_server: LiveServer, tmp_path: Path
) -> None:
    config = enrolled_terminal(central_server, tmp_path)

    shipped = run(["-m", "sync.admin"], config)
    armed = run(["-c", ARMED_ADMIN], config)  # the control: the same round, armed

    assert shipped.returncode == 0, shipped.stderr
    assert '"state": "online"' in shipped.stdout
    assert armed.returncode == -signal.SIGKILL


def test_a_frozen_bundle_cannot_arm_fault_injection() -> None:
    script = (
        "import os, sys\n"
        "sys.frozen = True  # what PyInstaller's bootloader sets\n"
        "from sync import faults\n"
        "try:\n"
        "    faults.arm()\n"
        "except faults.FaultsUnavailable as exc:\n"
        "    print('refused:', exc)\n"
        "faults.point('push.after_send')\n"
        "print('alive, armed =', faults.armed())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, faults.ENV: "push.after_send"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "refused: fault injection cannot be armed in a frozen" in done.stdout
    assert "alive, armed = False" in done.stdout


def test_no_shipped_code_arms_fault_injection_and_the_bundle_leaves_the_tests_out() -> None:
    shipped = [*ROOT.glob("kiosk/**/*.py"), *ROOT.glob("sync/**/*.py"), *ROOT.glob("ui/**/*.py")]
    shipped += [ROOT / "packaging" / "kite_entry.py"]
    callers = [p for p in shipped if re.search(r"\barm\(\)", p.read_text(encoding="utf-8"))]
    # Only its definition: no shipped module calls it.
    assert [p.relative_to(ROOT).as_posix() for p in callers] == ["sync/faults.py"]
    spec = (ROOT / "packaging" / "kite.spec").read_text(encoding="utf-8")
    assert re.search(r'^\s+"tests",', spec, re.MULTILINE)
