"""A whole terminal for tests: settings, store, keyring credential, sync worker and Core.

Each terminal keeps its credential under its own keyring service name, so two
terminals can live in one test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from kiosk.config import Settings
from kiosk.core import Core
from kiosk.store import Store, open_store
from sync import enrollment
from sync.authenticator import OnlineAuthenticator
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.credentials import CredentialStore
from sync.worker import SyncWorker
from tests.fault.clocks import open_hours_clock
from tests.server.live import TEST_ENV, LiveServer


@dataclass
class Terminal:
    settings: Settings
    store: Store
    credentials: CredentialStore
    client: SyncClient
    worker: SyncWorker
    core: Core

    def close(self) -> None:
        self.worker.stop(timeout=10)
        self.client.close()
        self.store.close()


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
    clock = open_hours_clock()
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.database_path)
    enrollment.device_id(store)  # the device row an enrollment leaves behind
    credentials = CredentialStore(service=f"kite-test-{name}")
    credentials.store_credential(credential)
    client = SyncClient(settings, credentials.credential)
    worker = SyncWorker(
        store,
        settings,
        client=client,
        credentials=credentials,
        backoff=Backoff(base_s=0.05, cap_s=0.5),
        clock=clock,
    )
    core = Core(store, settings, clock, OnlineAuthenticator(client))
    return Terminal(settings, store, credentials, client, worker, core)


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
