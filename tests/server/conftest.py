"""Fixtures of the server suite, importable by other suites (``from tests.server.conftest import *``
or ``pytest_plugins``): ``central_server`` (a :class:`LiveServer`, per backend, shared by a
module) and ``world`` (an isolated unit with one resident, money, stamps and a device)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server.live import LiveServer, World, backends


@pytest.fixture(scope="module", params=backends())
def central_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The reference server over real HTTP on 127.0.0.1 (SQLite; also PostgreSQL in CI)."""
    server = LiveServer.start(tmp_path_factory.mktemp("central"), backend=request.param)
    try:
        yield server
    finally:
        server.stop()
    # A server error is a bug even when the test that caused it passed.
    assert "Traceback" not in server.server_log(), server.server_log()[-5000:]


@pytest.fixture
def world(central_server: LiveServer) -> World:
    """One resident with 1000 cents and 5 stamps, an approved contact, an enrolled device."""
    return central_server.world(residents=1, debit_cents=1000, stamps=5)
