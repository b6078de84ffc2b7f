"""A module's own reference server, for tests that change what is facility-wide.

``server_of_its_own(name, **env)`` returns two fixtures for a test module: one
server per backend for the whole module (started with ``env`` on top of the test
settings), and ``name``, the function-scoped face of it, which fails a test if the
server logged a traceback meanwhile. Assign both in the module::

    _server, central_server = server_of_its_own("central_server", KITE_CENTRAL_X="1")

Used where tests move the server's clock, change the facility's policy or lower
the sign-in limits; everything else shares the session's server (``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.server.live import LiveServer, backends


def server_of_its_own(name: str, **env: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    # The module's process fixture has one fixed name (fixtures of a module are its own);
    # the face requests it by that name, so pytest parametrizes the tests by backend.
    @pytest.fixture(scope="module", params=backends(), name="own_server_process")
    def process(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[LiveServer]:
        server = LiveServer.start(tmp_path_factory.mktemp("central"), request.param, env=env)
        try:
            yield server
        finally:
            server.stop()

    @pytest.fixture(name=name)
    def watched(own_server_process: LiveServer) -> Iterator[LiveServer]:
        with own_server_process.watched() as live:
            yield live

    return process, watched
