"""Which version of Kite this is: what the terminal tells the server, and IT sees.

On a terminal the bundle runs from ``/opt/kite/releases/<version>/kite``
(``kite-update`` and the package put it there), and that folder's name is the
version IT installed, whatever the build's Python metadata says. Elsewhere (from
source, a bundle run from ``dist/``) it is the installed distribution's version.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "kite-terminal"
# The same rule as a release folder's name (sync/update/releases.py, packaging/build-deb).
VERSION = re.compile(r"^[0-9][A-Za-z0-9.+~]{0,63}$")


def running_version(executable: str | None = None, frozen: bool | None = None) -> str:
    """This program's version: its release folder's name when frozen, else the metadata's."""
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    if frozen:
        folder = Path(executable or sys.executable).resolve().parent
        if folder.parent.name == "releases" and VERSION.match(folder.name):
            return folder.name
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def user_agent() -> str:
    """``kite-terminal/<version>`` (RFC 9110 product/version), sent with every request."""
    return f"{DISTRIBUTION}/{running_version()}"
