"""The environment scrubbed at kiosk start, before Qt is loaded.

Qt, Python and the dynamic loader read variables that change what the program
does: which plugins Qt loads and from where (``QT_PLUGIN_PATH``,
``QT_QPA_PLATFORM_PLUGIN_PATH``), which input method or style
(``QT_IM_MODULE``, ``QT_STYLE_OVERRIDE``), debug output (``QT_DEBUG_PLUGINS``,
``QT_LOGGING_RULES``), an interactive prompt when the program ends
(``PYTHONINSPECT``), a debugger imported by name (``PYTHONBREAKPOINT``), the
keyring class loaded by name (``PYTHON_KEYRING_BACKEND``), and libraries
preloaded into any child process (``LD_PRELOAD``...). A kiosk takes none of
them from whoever started it: :func:`scrub` removes them from ``os.environ``
(which unsets them for Qt's ``getenv`` and for children too) before Qt is
imported. The kiosk unit's own two Qt settings are kept, with the values the
unit gives them; anything else is logged by name (never by value) and dropped.

Variables Python reads only while it starts (``PYTHONPATH``, ``PYTHONHOME``...)
have done their work by then: the frozen bundle does not read them, and removing
them still keeps them from any child process.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping

log = logging.getLogger(__name__)

# Kept, with the only values allowed: what the kiosk unit sets (wayland), Xvfb
# screenshots (xcb) and the offscreen tests and smoke test.
ALLOWED_VALUES = {
    "QT_QPA_PLATFORM": frozenset({"wayland", "xcb", "offscreen"}),
    "QT_WAYLAND_DISABLE_WINDOWDECORATION": frozenset({"1"}),
}
PREFIXES = (
    "QT_",  # Qt: plugins, platform, input method, scaling, styles, logging, accessibility
    "QML",  # QML_*, QML2_IMPORT_PATH: import paths and debugging
    "QSG_",  # the scene graph's renderer and debugging
    "QV4_",  # the JavaScript engine
    "QTWEBENGINE_",  # never shipped, never wanted
    "PYTHON",  # PYTHONINSPECT, PYTHONBREAKPOINT, PYTHONWARNINGS, PYTHON_KEYRING_BACKEND...
    "LD_",  # LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT: reach every child process
)
NAMES = frozenset(
    {
        "GCONV_PATH",  # glibc loads character-set converters from it
        "GIO_EXTRA_MODULES",
        "GTK_MODULES",
        "GTK_PATH",
        "GTK3_MODULES",
        "LOCPATH",
        "NLSPATH",
        "MALLOC_CHECK_",
        "MALLOC_TRACE",
        "KITE_MODE",  # the mode comes from the configuration file only
        "KITE_FAULT",  # the crash suite's kill switch (inert anyway, see sync/faults.py)
    }
)


def unwanted(name: str, value: str) -> bool:
    """Whether a kiosk must not keep this variable."""
    allowed = ALLOWED_VALUES.get(name)
    if allowed is not None:
        return value not in allowed
    return name in NAMES or name.startswith(PREFIXES)


def scrub(environ: MutableMapping[str, str]) -> list[str]:
    """Remove every unwanted variable from ``environ``; return their names, sorted."""
    removed = sorted(name for name, value in environ.items() if unwanted(name, value))
    for name in removed:
        del environ[name]
    if removed:
        log.warning("ignored environment variables (kiosk start): %s", ", ".join(removed))
    return removed
