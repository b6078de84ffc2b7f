"""A whole terminal for tests (``sync.terminal.open_terminal``), enrolled with a credential.

Each terminal keeps its credential under its own keyring service name, so two
terminals can live in one test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kiosk.config import Settings
from sync import enrollment
from sync.backoff import Backoff
from sync.credentials import CredentialStore
from sync.terminal import Terminal, open_terminal
from tests.fault.clocks import open_hours_clock
from tests.server.live import TEST_ENV, LiveServer


def make_terminal(
    folder: Path, server_url: str, credential: str, *, name: str = "t1", **overrides: object
) -> Terminal:
    values: dict[str, object] = {
        "server_url": server_url,
        "data_dir": folder / name,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 3.0,
        "long_poll_s": 1,
        "device_name": name,
    }
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    credentials = CredentialStore(service=f"kite-test-{name}")
    credentials.store_credential(credential)
    terminal = open_terminal(
        settings,
        clock=open_hours_clock(),
        credentials=credentials,
        pin_keyring=False,  # the test's keyring; each terminal under its own service name
        backoff=Backoff(base_s=0.05, cap_s=0.5),
    )
    enrollment.device_id(terminal.store)  # the device row an enrollment leaves behind
    return terminal


def restart_on_same_port(server: LiveServer) -> None:
    """Start the server again on its old URL and database (after :meth:`LiveServer.stop`)."""
    port = server.url.rsplit(":", 1)[1]
    env = {**os.environ, **TEST_ENV, "KITE_CENTRAL_DATABASE_URL": server.database_url}
    with server.log.open("ab") as out:
        server.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync.server.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                port,
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not come back")


def wait_for(predicate: object, timeout: float = 20.0, interval: float = 0.05) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
