"""Opening the terminal off the UI thread, after first paint.

Everything heavy (SQLAlchemy, requests, pydantic models of the protocol) is
imported inside :func:`open_backend`, so the sign-in screen paints first. The
wiring itself is ``sync.terminal.open_terminal``, shared with ``kite-admin``
and the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.clock import Clock
    from kiosk.config import Settings
    from sync.terminal import Terminal


def open_backend(settings: Settings, clock: Clock | None = None) -> Terminal:
    """Open the store and wire the core and the sync worker (call from a worker thread)."""
    from sync.terminal import open_terminal

    return open_terminal(settings, clock=clock)
