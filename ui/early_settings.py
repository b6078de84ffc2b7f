"""The two settings the first paint needs (mode and language), read without pydantic.

Validating the whole configuration imports pydantic, which costs more than
Qt itself; the sign-in screen only needs to know whether to lock the window
down and which language to greet in. This reads those two keys with the same
precedence as :mod:`kiosk.config` (``KITE_MODE``/``KITE_LANGUAGE``, then the
file, then the defaults) and never fails: right after the first paint
``kiosk.config.load_settings`` validates everything and a bad file still stops
the program with exit status 2.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONFIG_PATH = Path("/etc/kite/kite.toml")


@dataclass(frozen=True)
class EarlySettings:
    mode: str = "kiosk"
    language: str = "en"


def peek(cli_value: str | None) -> EarlySettings:
    """Mode and language for the first paint; defaults when anything is off."""
    path = Path(cli_value or os.environ.get("KITE_CONFIG") or DEFAULT_CONFIG_PATH)
    values: dict[str, object] = {}
    # A bad or missing file is reported by the full validation right after the first paint.
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    mode = os.environ.get("KITE_MODE") or values.get("mode")
    language = os.environ.get("KITE_LANGUAGE") or values.get("language")
    return EarlySettings(
        mode=mode if mode in ("kiosk", "tablet") else "kiosk",
        language=language if language in ("en", "es") else "en",
    )
