"""A whole terminal for tests (``sync.terminal.open_terminal``), enrolled with a credential.

Each terminal keeps its credential under its own keyring service name, so two
terminals can live in one test process. Made again under the same name with the
same credential, it is the same terminal restarted: it keeps what its keyring holds
(a credential it rotated since), as a real terminal does.
"""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.clock import Clock
from kiosk.config import Settings
from sync import enrollment
from sync.backoff import Backoff
from sync.credentials import CredentialStore
from sync.terminal import Terminal, open_terminal
from tests.fault.clocks import open_hours_clock
from tests.stores import migrated_copy


def make_terminal(
    folder: Path,
    server_url: str,
    device: tuple[str, str] | str,
    *,
    name: str = "t1",
    clock: Clock | None = None,
    **overrides: object,
) -> Terminal:
    """A terminal enrolled as ``device`` (device ID, credential), e.g. ``world.devices[0]``,
    or holding just a credential (a terminal that enrolls itself mints its own ID)."""
    device_id, credential = (None, device) if isinstance(device, str) else device
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
    if not settings.database_path.exists():
        migrated_copy(settings.database_path)
    credentials = CredentialStore(service=f"kite-test-{name}")
    given = CredentialStore(service=f"kite-test-{name}-given")
    if given.credential() != credential:  # a new terminal, or a new credential from the test
        credentials.store_credential(credential)
        given.store_credential(credential)
    terminal = open_terminal(
        settings,
        clock=clock or open_hours_clock(),
        credentials=credentials,
        pin_keyring=False,  # the test's keyring; each terminal under its own service name
        backoff=Backoff(base_s=0.05, cap_s=0.5),
    )
    enrollment.device_id(terminal.store, restored=device_id)  # as an enrollment leaves it
    return terminal


def wait_for(predicate: object, timeout: float = 20.0, interval: float = 0.05) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
