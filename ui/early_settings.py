"""The two settings the first paint needs (mode and language), read without pydantic.

Validating the whole configuration imports pydantic, which costs more than
Qt itself; the sign-in screen only needs to know whether to lock the window
down and which language to greet in. This reads those two keys with the same
rules as :mod:`kiosk.config` (``KITE_LANGUAGE``, then the file, then the
default; the mode from the file only, ``tablet`` only from a root-owned one,
:mod:`kiosk.mode`) and never fails: right after the first paint
``kiosk.config.load_settings`` validates everything and a bad file still stops
the program with exit status 2.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kiosk.mode import Mode, decide_mode

DEFAULT_CONFIG_PATH = Path("/etc/kite/kite.toml")


@dataclass(frozen=True)
class EarlySettings:
    mode: Mode = "kiosk"
    language: str = "en"


def peek(cli_value: str | None) -> EarlySettings:
    """Mode and language for the first paint; defaults when anything is off."""
    path = Path(cli_value or os.environ.get("KITE_CONFIG") or DEFAULT_CONFIG_PATH)
    values: dict[str, object] = {}
    read: Path | None = None
    # A bad or missing file is reported by the full validation right after the first paint.
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
        values = tomllib.loads(path.read_text(encoding="utf-8"))
        read = path
    language = os.environ.get("KITE_LANGUAGE") or values.get("language")
    return EarlySettings(
        mode=decide_mode(values.get("mode"), read),
        language=language if language in ("en", "es") else "en",
    )
