"""Who may switch the lockdown off: the mode comes from a root-owned file only.

``mode = "tablet"`` relaxes what a shared kiosk needs (a longer idle time; the
in-app lockdown stays the same): it is for issued tablets, and only the
configuration file that root installed may ask for it. Not the environment
(``KITE_MODE`` is never read), and not a file someone else could have written: a
file that is not owned by root, or that its group or others may write, gets the
kiosk whatever it says, and so does any value but ``tablet``. Used both by the
cheap first-paint read (:mod:`ui.early_settings`) and by the full validation
(:mod:`kiosk.config`), so the two never disagree. Imports nothing heavy.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Mode = Literal["kiosk", "tablet"]


def untrusted_because(path: Path) -> str | None:
    """Why ``path`` cannot relax the lockdown, or None when root alone can write it."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror})"
    if info.st_uid != 0:
        return f"{path} is owned by user id {info.st_uid}, not root"
    if info.st_mode & 0o022:
        return f"{path} may be written by its group or others (mode {info.st_mode & 0o777:o})"
    return None


def decide_mode(requested: object, path: Path | None) -> Mode:
    """The mode to run in: ``tablet`` only when a root-owned ``path`` asked for it."""
    if requested != "tablet":
        return "kiosk"
    problem = "no configuration file" if path is None else untrusted_because(path)
    if problem is not None:
        log.warning("mode 'tablet' refused, running as a kiosk: %s", problem)
        return "kiosk"
    return "tablet"
