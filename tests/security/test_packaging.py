"""The kiosk image's lockdown as packaged: the installer's plan and the session unit.

The installer is run for real in ``--dry-run`` mode against a scratch image
root: it must build the package, plan its install and change nothing. What the
package's maintainer scripts lay out is tests/security/test_deb.py's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "packaging" / "kiosk" / "install.sh"
UNIT = REPO / "packaging" / "systemd" / "kite-kiosk.service"
ENTRY = REPO / "packaging" / "kite_entry.py"


@pytest.fixture
def image_root(tmp_path: Path) -> Path:
    """An empty Debian-like image root (only /etc), as an image builder starts from."""
    root = tmp_path / "image"
    (root / "etc").mkdir(parents=True)
    return root


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A one-dir bundle folder as packaging/build leaves it (the dry run never starts it)."""
    folder = tmp_path / "dist" / "kite"
    folder.mkdir(parents=True)
    program = folder / "kite"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    return folder


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(root)): (path.stat().st_mode, path.stat().st_size)
        for path in sorted(root.rglob("*"))
    }


def dry_run(root: Path, bundle: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INSTALL), "--dry-run", "--root", str(root), "--bundle", str(bundle), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def unit_section(name: str = "Service") -> dict[str, list[str]]:
    """One section of the kiosk unit; systemd allows a key more than once."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == f"[{name}]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_dry_run_builds_the_package_plans_its_install_and_changes_nothing(
    image_root: Path, bundle: Path
) -> None:
    before = snapshot(image_root)

    result = dry_run(image_root, bundle)

    assert result.returncode == 0, result.stderr
    assert snapshot(image_root) == before
    plan = result.stdout
    assert "= built kite-terminal_" in plan
    # apt inside the image root: it installs the Depends and runs the maintainer scripts
    # there (tests/security/test_deb.py checks what postinst lays out: the kite user, the
    # 0700 data folder, the configuration kept, getty@tty1 disabled, Ctrl+Alt+Del masked).
    assert f"chroot {image_root} env DEBIAN_FRONTEND=noninteractive apt-get install" in plan
    for path in (
        "./lib/systemd/system/kite-kiosk.service",
        "./etc/pam.d/kite-kiosk",
        "./etc/systemd/logind.conf.d/kite-kiosk.conf",
        "./etc/polkit-1/rules.d/50-kite-kiosk.rules",
        "./etc/sysctl.d/50-kite-kiosk.conf",
    ):
        assert path in plan
    assert "Dry run: nothing was changed." in plan


def test_dry_run_without_apt_installs_with_dpkg(image_root: Path, bundle: Path) -> None:
    result = dry_run(image_root, bundle, "--no-apt")

    assert result.returncode == 0, result.stderr
    assert f"chroot {image_root} dpkg -i /tmp/kite-terminal_" in result.stdout
    assert "apt-get" not in result.stdout


def test_installer_without_a_bundle_says_to_build_it(image_root: Path, tmp_path: Path) -> None:
    result = dry_run(image_root, tmp_path / "nowhere")

    assert result.returncode == 1
    assert "run 'bash packaging/build' first" in result.stderr


def test_installer_refuses_a_folder_that_is_no_system_root(tmp_path: Path, bundle: Path) -> None:
    result = dry_run(tmp_path / "empty", bundle)

    assert result.returncode == 1
    assert "does not look like a system root" in result.stderr


def test_kiosk_session_never_allows_switching_to_another_console() -> None:
    (exec_start,) = unit_section()["ExecStart"]
    command = exec_start.split()

    assert command[0] == "/usr/bin/cage"
    cage_flags = command[1 : command.index("--")]
    assert "-s" not in cage_flags  # cage's "allow VT switching"
    assert command[command.index("--") + 1 :] == ["/opt/kite/current/kite"]


def test_kiosk_session_runs_as_the_unprivileged_kite_user_on_wayland() -> None:
    service = unit_section()

    assert service["User"] == ["kite"]
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["UMask"] == ["0077"]
    assert service["TTYPath"] == ["/dev/tty1"]
    assert "QT_QPA_PLATFORM=wayland" in service["Environment"]


def test_kiosk_session_waits_for_the_data_disk_instead_of_starting_empty() -> None:
    assert unit_section("Unit")["RequiresMountsFor"] == ["/var/lib/kite"]


def test_started_as_kite_admin_the_bundle_runs_the_admin_command_line(tmp_path: Path) -> None:
    link = tmp_path / "kite-admin"
    link.symlink_to(ENTRY)

    result = subprocess.run(
        [sys.executable, str(link), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: kite-admin")
    assert "restore-backup" in result.stdout


def test_bundle_check_passes_where_every_lazy_dependency_is_installed() -> None:
    result = subprocess.run(
        [sys.executable, str(ENTRY), "--bundle-check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("bundle check passed: migrations 0001")
