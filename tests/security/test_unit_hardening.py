"""The systemd units are valid and sandboxed: ``systemd-analyze verify`` finds nothing to say,
and ``systemd-analyze security`` scores each at 4.0 or lower (issue 17; docs/it-guide.md,
"The session's sandbox", justifies what stays exposed).

Both run offline on the unit files (no running systemd is needed; CI installs the
``systemd`` package for ``systemd-analyze``). ``verify`` checks that each ExecStart=
program exists on this machine: cage does (CI installs it); the "call IT" script and
kite-central are pointed at their copies here, the one change made to the units checked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.test_packaging import REPO

UNITS = REPO / "packaging" / "systemd"
HARDENED = ["kite-kiosk.service", "kite-call-it.service", "kite-central.service"]
WHERE_INSTALLED = {
    "/usr/lib/kite/call-it": str(REPO / "packaging" / "kiosk" / "call-it"),
    "/opt/kite-central/bin/kite-central": sys.executable,
    "/usr/bin/kite-admin": sys.executable,
}
MAX_EXPOSURE = 4.0


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze is missing: apt-get install systemd (.ci/setup does)"
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120, check=False)


def test_every_unit_verifies_without_a_warning(tmp_path: Path) -> None:
    for unit in UNITS.glob("*.service"):
        text = unit.read_text(encoding="utf-8")
        for installed, here in WHERE_INSTALLED.items():
            text = text.replace(f"={installed}", f"={here}")
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    result = analyze("verify", "--man=no", *sorted(map(str, tmp_path.glob("*.service"))))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr  # unknown keys and bad values are only warnings


@pytest.mark.parametrize("unit", HARDENED)
def test_unit_exposure_is_at_most_4(unit: str) -> None:
    result = analyze("security", "--offline=true", "--no-pager", str(UNITS / unit))
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d)", result.stdout)
    assert found, result.stdout + result.stderr
    exposure = float(found.group(1))
    left = "\n".join(line for line in result.stdout.splitlines() if line.startswith("✗"))
    assert exposure <= MAX_EXPOSURE, f"{unit} scores {exposure}:\n{left}"


def test_the_threshold_flag_agrees(tmp_path: Path) -> None:
    """``--threshold=40`` (exposure 4.0) exits 0 for each unit, non-zero for a bare one."""
    for unit in HARDENED:
        result = analyze("security", "--offline=true", "--threshold=40", str(UNITS / unit))
        assert result.returncode == 0, f"{unit}:\n{result.stdout}"
    bare = tmp_path / "bare.service"
    bare.write_text("[Service]\nExecStart=/bin/true\n", encoding="utf-8")
    assert analyze("security", "--offline=true", "--threshold=40", str(bare)).returncode != 0


def test_the_kiosk_sandbox_keeps_what_the_session_needs() -> None:
    service = section(UNITS / "kite-kiosk.service")
    assert service["ReadWritePaths"] == ["/var/lib/kite"]  # the store, backups, keyring
    assert service["BindPaths"] == ["/run/user"]  # cage's Wayland socket (XDG_RUNTIME_DIR)
    assert service["ProtectHome"] == ["tmpfs"]  # "yes" would hide /run/user too
    assert {"char-drm rw", "char-input rw", "/dev/tty1 rw"} <= set(service["DeviceAllow"])
    assert "AF_UNIX" in service["RestrictAddressFamilies"][0]  # Wayland, D-Bus, sd_notify
    assert service["NotifyAccess"] == ["all"] and service["WatchdogSec"] == ["30"]
    assert service["MemoryMax"] and service["UMask"] == ["0077"]


def section(path: Path, name: str = "Service") -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            current = line
        elif current == f"[{name}]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings
