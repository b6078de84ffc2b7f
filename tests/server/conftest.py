"""The server suite runs on every backend: SQLite always, PostgreSQL when CI provides one.

``central_server`` and ``private_server`` here override the SQLite-only ones of
``tests/conftest.py`` with one parameter per backend; ``world`` (from there)
follows whichever ``central_server`` the test gets.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.live import LiveServer, ServerPool, backends


@pytest.fixture(params=backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def central_server(live_servers: ServerPool, backend: str) -> Iterator[LiveServer]:
    """The session's reference server on ``backend``, over real HTTP on 127.0.0.1."""
    with live_servers.get(backend).watched() as server:
        yield server


@pytest.fixture
def private_server(tmp_path: Path, backend: str) -> Iterator[LiveServer]:
    """A reference server of this test's own on ``backend``: it may stop, restart or re-clock."""
    folder = tmp_path / "central"
    folder.mkdir()
    server = LiveServer.start(folder, backend)
    try:
        with server.watched():
            yield server
    finally:
        server.stop()
