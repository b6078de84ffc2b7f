"""The kite-terminal Debian package, built by packaging/build-deb from a tiny fake bundle.

Fast checks for CI: what the package holds and with which owners and modes, that its
maintainer scripts parse, and what postinst does, run for real (twice) in a fake root
through ``DPKG_ROOT``, as ``dpkg --root --force-script-chrootless`` runs it. The slow
check, the package installed by apt into a clean Debian 12 root made with mmdebstrap,
is packaging/check-deb-install, run by hand (docs/it-guide.md, section 2).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.security.test_packaging import REPO

BUILD_DEB = REPO / "packaging" / "build-deb"
VERSION = "1.2.3"
SNIPPETS = [
    "/etc/pam.d/kite-kiosk",
    "/etc/systemd/logind.conf.d/kite-kiosk.conf",
    "/etc/polkit-1/rules.d/50-kite-kiosk.rules",
    "/etc/sysctl.d/50-kite-kiosk.conf",
]
PUBLIC_KEY = "cswX8SwStpUfr5b4F33unHaD80bynRRnZBdgn/hbdjk="


def build(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(BUILD_DEB), "--out", str(tmp / "out"), *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("deb")
    bundle = tmp / "kite"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "kite").write_text("#!/bin/sh\necho fake kite\n")
    (bundle / "kite").chmod(0o755)
    (bundle / "_internal" / "libfake.so").write_text("")
    result = build(tmp, "--bundle", str(bundle), "--version", VERSION, "--public-key", PUBLIC_KEY)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip())


def dpkg_deb(*args: str) -> str:
    return subprocess.run(
        ["dpkg-deb", *args], capture_output=True, text=True, timeout=60, check=True
    ).stdout


@pytest.fixture
def root(tmp_path: Path, deb: Path) -> Path:
    """A fake system root: a user database, the units the lockdown acts on, the package."""
    root = tmp_path / "root"
    etc = root / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\n")
    (etc / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (etc / "gshadow").write_text("root:*::\n")
    units = root / "lib" / "systemd" / "system"
    units.mkdir(parents=True)
    (units / "getty@.service").write_text(
        "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=getty.target\n"
    )
    for target in ("ctrl-alt-del.target", "graphical.target", "multi-user.target"):
        (units / target).write_text("[Unit]\nDescription=stand-in\n")
    wants = etc / "systemd" / "system" / "getty.target.wants"
    wants.mkdir(parents=True)
    (wants / "getty@tty1.service").symlink_to("/lib/systemd/system/getty@.service")
    dpkg_deb("--extract", str(deb), str(root))
    dpkg_deb("--control", str(deb), str(tmp_path / "control"))
    return root


def script(root: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    path = root.parent / "control" / name
    return subprocess.run(
        ["sh", str(path), *args], capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "DPKG_ROOT": str(root)},
    )  # fmt: skip


def state(root: Path) -> list[str]:
    """Owners, modes and link targets of everything postinst may touch, and the users."""
    lines = []
    for top in ("etc", "var", "opt"):
        for path in sorted((root / top).rglob("*")):
            info = path.lstat()
            target = os.readlink(path) if path.is_symlink() else ""
            lines.append(
                f"{path.relative_to(root)} {info.st_mode:o} {info.st_uid}:{info.st_gid} {target}"
            )
    return lines + (root / "etc" / "passwd").read_text().splitlines()


def kite_ids(root: Path) -> tuple[int, int]:
    for line in (root / "etc" / "passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == "kite":
            return int(fields[2]), int(fields[3])
    raise AssertionError("no kite user")


def owner_mode(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_uid, info.st_gid, info.st_mode & 0o7777


def test_the_package_names_itself_its_dependencies_and_its_scripts(deb: Path) -> None:
    info = dpkg_deb("--info", str(deb))

    assert "Package: kite-terminal" in info
    assert f"Version: {VERSION}" in info
    depends = next(line for line in info.splitlines() if line.strip().startswith("Depends:"))
    for needed in ("adduser", "init-system-helpers", "cage", "xwayland", "libgl1", "polkitd"):
        assert needed in depends
    for name in ("preinst", "postinst", "prerm", "postrm"):
        assert f" {name} " in info
    assert dpkg_deb("--field", str(deb), "Architecture").strip()


def test_every_file_is_roots_with_the_expected_modes(deb: Path) -> None:
    rows = [line.split() for line in dpkg_deb("--contents", str(deb)).splitlines()]
    files = {row[5].removeprefix("."): (row[0], row[1]) for row in rows}

    assert {owner for _, owner in files.values()} == {"root/root"}
    assert files[f"/opt/kite/releases/{VERSION}/kite"][0] == "-rwxr-xr-x"
    assert files[f"/opt/kite/releases/{VERSION}/kite-admin"][0].startswith("l")
    assert files[f"/opt/kite/releases/{VERSION}/kite-update"][0].startswith("l")
    assert files["/lib/systemd/system/kite-kiosk.service"][0] == "-rw-r--r--"
    assert files["/lib/systemd/system/kite-call-it.service"][0] == "-rw-r--r--"
    for program in ("/usr/lib/kite/call-it", "/usr/bin/kite-admin", "/usr/sbin/kite-update"):
        assert files[program][0] == "-rwxr-xr-x"
    for snippet in SNIPPETS:
        assert files[snippet][0] == "-rw-r--r--"
    assert "/opt/kite/current" not in files  # postinst's and kite-update's, not dpkg's
    assert not any(path.startswith(("/usr/local", "/var/lib/kite")) for path in files)
    assert not any(mode[0][-2] == "w" for mode in files.values() if mode[0][0] != "l")


def test_the_lockdown_snippets_are_conffiles_and_the_scripts_parse(root: Path, deb: Path) -> None:
    control = root.parent / "control"

    assert (control / "conffiles").read_text().split() == SNIPPETS
    for name in ("preinst", "postinst", "prerm", "postrm"):
        assert os.access(control / name, os.X_OK)
        parsed = subprocess.run(["sh", "-n", str(control / name)], capture_output=True, text=True)
        assert parsed.returncode == 0, parsed.stderr
        assert "@VERSION@" not in (control / name).read_text()


def test_postinst_lays_out_the_kiosk(root: Path) -> None:
    result = script(root, "postinst", "configure", "")

    assert result.returncode == 0, result.stderr
    uid, gid = kite_ids(root)
    assert uid != 0
    assert ":/var/lib/kite:/usr/sbin/nologin" in (root / "etc" / "passwd").read_text()
    assert owner_mode(root / "var" / "lib" / "kite") == (uid, gid, 0o700)
    assert owner_mode(root / "etc" / "kite" / "kite.toml") == (0, gid, 0o640)
    assert owner_mode(root / "etc" / "kite" / "update.toml") == (0, 0, 0o644)
    assert f'public_key = "{PUBLIC_KEY}"' in (root / "etc" / "kite" / "update.toml").read_text()
    assert os.readlink(root / "opt" / "kite" / "current") == f"releases/{VERSION}"
    system = root / "etc" / "systemd" / "system"
    assert (system / "graphical.target.wants" / "kite-kiosk.service").is_symlink()
    assert not (system / "getty.target.wants" / "getty@tty1.service").exists()
    assert os.readlink(system / "ctrl-alt-del.target") == "/dev/null"
    assert os.readlink(system / "default.target").endswith("graphical.target")


def test_postinst_run_again_changes_nothing(root: Path) -> None:
    assert script(root, "postinst", "configure", "").returncode == 0
    first = state(root)

    again = script(root, "postinst", "configure", VERSION)  # dpkg-reconfigure, a reinstall
    as_new = script(root, "postinst", "configure", "")

    assert again.returncode == 0 and as_new.returncode == 0, again.stderr + as_new.stderr
    assert state(root) == first


def test_postinst_keeps_the_configuration_the_user_and_fixes_the_keyring(root: Path) -> None:
    (root / "etc" / "passwd").write_text(
        (root / "etc" / "passwd").read_text()
        + "kite:x:990:990:Kite kiosk session:/var/lib/kite:/usr/sbin/nologin\n"
    )
    (root / "etc" / "group").write_text((root / "etc" / "group").read_text() + "kite:x:990:\n")
    config = root / "etc" / "kite" / "kite.toml"
    config.parent.mkdir()
    config.write_text('server_url = "https://central.facility.example"\n')
    keyring = root / "var" / "lib" / "kite" / "keyring.cfg"
    keyring.parent.mkdir(parents=True)
    keyring.write_text("[kite]\n")
    keyring.chmod(0o644)

    result = script(root, "postinst", "configure", "")

    assert result.returncode == 0, result.stderr
    assert kite_ids(root) == (990, 990)
    users = (root / "etc" / "passwd").read_text().splitlines()
    assert [line for line in users if line.startswith("kite:")] == [
        "kite:x:990:990:Kite kiosk session:/var/lib/kite:/usr/sbin/nologin"
    ]
    assert config.read_text() == 'server_url = "https://central.facility.example"\n'
    assert owner_mode(keyring) == (990, 990, 0o600)
    assert keyring.read_text() == "[kite]\n"


def test_postinst_keeps_a_release_kite_update_switched_to(root: Path) -> None:
    assert script(root, "postinst", "configure", "").returncode == 0
    newer = root / "opt" / "kite" / "releases" / "2.0.0"
    newer.mkdir()
    (newer / "kite").write_text("#!/bin/sh\n")
    (newer / "kite").chmod(0o755)
    (root / "opt" / "kite" / "current").unlink()
    (root / "opt" / "kite" / "current").symlink_to("releases/2.0.0")

    assert script(root, "postinst", "configure", VERSION).returncode == 0
    assert os.readlink(root / "opt" / "kite" / "current") == "releases/2.0.0"
    assert script(root, "postinst", "configure", "1.0.0").returncode == 0  # an upgrade
    assert os.readlink(root / "opt" / "kite" / "current") == f"releases/{VERSION}"


def test_purge_removes_configuration_and_releases_but_never_the_data(root: Path) -> None:
    assert script(root, "postinst", "configure", "").returncode == 0
    database = root / "var" / "lib" / "kite" / "kite.db"
    database.write_text("residents' messages")

    result = script(root, "postrm", "purge")

    assert result.returncode == 0, result.stderr
    assert database.read_text() == "residents' messages"
    assert "/var/lib/kite (the terminal's data) was kept" in result.stdout
    assert not (root / "etc" / "kite").exists()
    assert not (root / "opt" / "kite" / "current").exists()
    assert "\nkite:" in (root / "etc" / "passwd").read_text()


def test_preinst_sets_aside_what_the_old_installer_left(root: Path) -> None:
    (root / "opt" / "kite").rename(root / "opt" / "new-kite")
    old = root / "opt" / "kite"
    old.mkdir()
    (old / "kite").write_text("old bundle")
    unit = root / "etc" / "systemd" / "system" / "kite-kiosk.service"
    unit.write_text("[Service]\n")

    result = script(root, "preinst", "install")

    assert result.returncode == 0, result.stderr
    assert (root / "opt" / "kite.before-deb" / "kite").read_text() == "old bundle"
    assert not old.exists()
    assert unit.with_name("kite-kiosk.service.before-deb").read_text() == "[Service]\n"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--version", "1.0-1"], "'1.0-1' is not a usable version"),
        (["--public-key", "not-a-key"], "--public-key is not a base64 Ed25519 public key"),
        (["--colour"], "unknown option '--colour'"),
    ],
)
def test_build_deb_refuses_bad_input_by_name(
    tmp_path: Path, deb: Path, args: list[str], problem: str
) -> None:
    bundle = tmp_path / "kite"
    bundle.mkdir()
    (bundle / "kite").write_text("#!/bin/sh\n")
    (bundle / "kite").chmod(0o755)

    result = build(tmp_path, "--bundle", str(bundle), *args)

    assert result.returncode == 2
    assert problem in result.stderr


def test_build_deb_without_a_bundle_says_to_build_it(tmp_path: Path) -> None:
    result = build(tmp_path, "--bundle", str(tmp_path / "nowhere"))

    assert result.returncode == 1
    assert "run 'bash packaging/build' first" in result.stderr


def test_an_upgrade_drops_the_refused_plain_file_keyring_from_the_configuration(
    root: Path,
) -> None:
    """An earlier example set keyring_backend = "file", which Kite now refuses at start:
    every upgraded kiosk would have stopped. The line goes, the rest stays as it was."""
    import tomllib

    config = root / "etc" / "kite" / "kite.toml"
    config.parent.mkdir()
    before = (
        'server_url = "https://central.facility.example"\n'
        'keyring_backend = "file"\n'
        'device_name = "Unit A kiosk 1"\n'
    )
    config.write_text(before)

    first = script(root, "postinst", "configure", "1.2.2")
    assert first.returncode == 0, first.stderr
    assert 'keyring_backend = "file" commented out' in first.stderr
    settings = tomllib.loads(config.read_text())
    assert settings == {
        "server_url": "https://central.facility.example",
        "device_name": "Unit A kiosk 1",
    }
    after = config.read_text()
    again = script(root, "postinst", "configure", "1.2.2")
    assert again.returncode == 0, again.stderr
    assert config.read_text() == after and "commented out" not in again.stderr
