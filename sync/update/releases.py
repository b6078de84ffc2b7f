"""Releases side by side: ``<install_dir>/releases/<version>``, and the links that choose.

``current`` names the release the kiosk runs (the session starts
``/opt/kite/current/kite``), ``previous`` the one to go back to. A link is switched
by making a new one under a temporary name and renaming it over the old: rename(2)
is atomic, so at every instant ``current`` names one whole release.

A release archive is a gzip tarball of the bundle with ``kite-release.json`` at its
top, ``{"format": 1, "version": "..."}``. It is unpacked with tarfile's ``data``
filter (no absolute paths, no ``..``, no devices, no links out of the folder) into a
temporary folder, which is renamed into place once complete.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from sync.update import UpdateError

MANIFEST = "kite-release.json"
VERSION = re.compile(r"^[0-9][A-Za-z0-9.+~]{0,63}$")
NAMES = ("kite-admin", "kite-update")  # the bundle's other programs (packaging/kite_entry.py)


def check_version(version: str) -> str:
    if not VERSION.match(version):
        raise UpdateError(
            f"'{version}' is not a release version (digits, letters, '.', '+', '~', "
            "starting with a digit, at most 64 characters)."
        )
    return version


@dataclass(frozen=True)
class Layout:
    base: Path

    @property
    def releases(self) -> Path:
        return self.base / "releases"

    def link(self, name: str) -> Path:
        return self.base / name

    def version_of(self, name: str) -> str | None:
        """The release ``current`` or ``previous`` names, if it names one that is there."""
        try:
            target = os.readlink(self.link(name))
        except OSError:
            return None
        version = Path(target).name
        return version if (self.releases / version / "kite").is_file() else None

    def switch(self, name: str, version: str) -> None:
        """Point the link ``name`` at ``releases/<version>``, atomically."""
        temporary = self.base / f".{name}.new"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(f"releases/{version}")
        os.replace(temporary, self.link(name))
        _fsync_dir(self.base)

    def installed(self) -> list[str]:
        if not self.releases.is_dir():
            return []
        return sorted(p.name for p in self.releases.iterdir() if VERSION.match(p.name))

    def prune(self) -> list[str]:
        """Delete the releases neither ``current`` nor ``previous`` names; return their versions."""
        keep = {self.version_of("current"), self.version_of("previous")}
        gone = [version for version in self.installed() if version not in keep]
        for version in gone:
            shutil.rmtree(self.releases / version)
        return gone


def pack(bundle: Path, version: str, out: Path) -> Path:
    """Make ``kite-<version>.tar.gz`` in ``out`` from the one-dir bundle at ``bundle``."""
    check_version(version)
    if not (bundle / "kite").is_file():
        raise UpdateError(f"No bundle at {bundle} (no {bundle / 'kite'}): build it first.")
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"kite-{version}.tar.gz"
    manifest = out / f".{MANIFEST}.{version}"
    manifest.write_text(json.dumps({"format": 1, "version": version}) + "\n", encoding="utf-8")
    try:
        with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
            tar.add(manifest, arcname=MANIFEST)
            for child in sorted(bundle.iterdir()):
                if child.name not in NAMES:
                    tar.add(child, arcname=child.name)
    finally:
        manifest.unlink()
    return archive


def read_version(archive: Path) -> str:
    """The version the archive's manifest names; UpdateError if it is no release archive."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read(4096))
    except KeyError as exc:
        raise UpdateError(f"{archive} has no {MANIFEST}: it is not a Kite release.") from exc
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise UpdateError(f"{archive} is not a readable Kite release archive: {exc}.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != 1:
        raise UpdateError(f"{archive}: {MANIFEST} is not a format-1 release manifest.")
    return check_version(str(manifest.get("version", "")))


def unpack(archive: Path, layout: Layout) -> str:
    """Unpack beside the running release; return the version. Nothing is switched here."""
    version = read_version(archive)
    if version == layout.version_of("current"):
        raise UpdateError(f"Release {version} is already the current one: nothing to do.")
    layout.releases.mkdir(parents=True, exist_ok=True)
    partial = layout.releases / f".partial-{version}"
    shutil.rmtree(partial, ignore_errors=True)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(partial, filter="data")
        (partial / MANIFEST).unlink()
        if not (partial / "kite").is_file() or not os.access(partial / "kite", os.X_OK):
            raise UpdateError(f"{archive} holds no executable 'kite': it is not a bundle.")
        for name in NAMES:
            (partial / name).symlink_to("kite")
        os.chmod(partial, 0o755)
        target = layout.releases / version
        if target.exists():  # an earlier try of the same release, never current
            shutil.rmtree(target)
        os.rename(partial, target)
    except (OSError, tarfile.TarError) as exc:
        raise UpdateError(
            f"Unpacking {archive} failed ({exc}); nothing was switched. Check the disk space "
            f"under {layout.releases}."
        ) from exc
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    _fsync_dir(layout.releases)
    return version


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
