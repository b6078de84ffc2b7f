"""``kite-admin doctor``'s checks of the machine itself: free disk, Qt's platform, fonts.

Qt is never imported (sync/ stays free of Qt: tests/unit/test_layering.py): the
platform plugin is looked for as a file beside the installed PySide6, and the
system libraries it loads through the dynamic linker's cache.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import Settings

#: Free space below this (or below twice the database, the copy a migration backup takes)
#: is a problem.
MIN_FREE_BYTES = 200 * 1024 * 1024
#: The platform the kiosk session runs Qt on (packaging/systemd/kite-kiosk.service).
KIOSK_PLATFORM = "wayland"
#: Where fontconfig finds fonts on Debian (fonts-dejavu-core installs into the first).
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfb", ".pcf", ".pcf.gz")


@dataclass(frozen=True)
class Finding:
    """One check's verdict: what it found and, for a problem, what to do."""

    check: str
    ok: bool
    found: str
    fix: str = ""


def ok(check: str, found: str) -> Finding:
    return Finding(check, True, found)


def problem(check: str, found: str, fix: str) -> Finding:
    return Finding(check, False, found, fix)


def check_disk(settings: Settings) -> Iterator[Finding]:
    if not settings.data_dir.is_dir():
        return  # said under Permissions
    free = shutil.disk_usage(settings.data_dir).free
    database = settings.database_path
    needed = max(MIN_FREE_BYTES, 2 * database.stat().st_size if database.exists() else 0)
    shown = f"{free / 2**20:,.0f} MiB free on {settings.data_dir}"
    if free < needed:
        yield problem(
            "Disk",
            f"only {shown} (needs {needed / 2**20:,.0f} MiB: backups before an update copy the "
            "database)",
            "Free space on that disk (old logs under /var/log, journalctl --vacuum-size=100M) "
            "or give it a bigger disk.",
        )
    else:
        yield ok("Disk", shown)


def check_qt(platform: str | None = None) -> Iterator[Finding]:
    name = platform or os.environ.get("QT_QPA_PLATFORM") or KIOSK_PLATFORM
    name = name.split(":")[0]
    spec = importlib.util.find_spec("PySide6")
    places = list(spec.submodule_search_locations or []) if spec else []
    plugins = [Path(p) / "Qt" / "plugins" / "platforms" for p in places]
    found = [f for folder in plugins if folder.is_dir() for f in folder.glob(f"libq{name}.so")]
    if not found:
        yield problem(
            "Qt",
            f"no Qt platform plugin '{name}' (looked in {', '.join(map(str, plugins)) or 'none'})",
            "Reinstall Kite (the bundle ships the plugin); QT_QPA_PLATFORM must name one "
            "that exists (the kiosk session uses 'wayland').",
        )
        return
    needs = {"EGL": "libegl1", "GL": "libgl1", "fontconfig": "libfontconfig1"}
    if name == "wayland":
        needs["wayland-cursor"] = "libwayland-cursor0"
    missing = sorted(pkg for lib, pkg in needs.items() if not ctypes.util.find_library(lib))
    if missing:
        yield problem(
            "Qt",
            f"the '{name}' platform plugin is there but libraries it loads are missing",
            f"apt-get install {' '.join(missing)}",
        )
    else:
        yield ok("Qt", f"platform plugin '{name}' and the libraries it loads are there")


def check_fonts(dirs: tuple[Path, ...] = FONT_DIRS) -> Iterator[Finding]:
    for folder in dirs:
        if not folder.is_dir():
            continue
        for file in folder.rglob("*"):
            if file.name.lower().endswith(FONT_SUFFIXES):
                yield ok("Fonts", f"fonts installed (for example {file.name})")
                return
    yield problem(
        "Fonts",
        f"no font files under {', '.join(map(str, dirs))}: Kite would show no text",
        "apt-get install fonts-dejavu-core",
    )
