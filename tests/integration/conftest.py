"""The integration suite runs the terminal's engine against the real reference server."""

from __future__ import annotations

from tests.server.conftest import central_server, world

__all__ = ["central_server", "world"]
