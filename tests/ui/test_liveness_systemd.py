"""systemd hears READY once the sign-in screen is painted, and WATCHDOG only while the loop turns.

``NOTIFY_SOCKET`` is a real Unix datagram socket the test binds, as systemd's
would be. A hung event loop is the test itself holding the UI thread: while it
holds it, no ping may come, since the pings must come from that thread (a
pinger thread would go on pinging through a hang, and systemd would never
restart a frozen kiosk).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui import theme
from ui.context import Context
from ui.liveness import Liveness
from ui.sd_notify import Notifier
from ui.shell import Shell
from ui.tasks import Tasks

ROOT = Path(__file__).resolve().parents[2]
PING_USEC = 100_000  # WatchdogSec=0.1 s: a ping every 50 ms


class Systemd:
    """The receiving end of NOTIFY_SOCKET."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address.replace("@", "\0", 1) if address.startswith("@") else address)
        self.sock.setblocking(False)
        self.heard: list[str] = []

    def drain(self) -> list[str]:
        """Whatever has arrived, without waiting."""
        while True:
            try:
                self.heard.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return self.heard

    def count(self, state: str) -> int:
        return self.drain().count(state)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[Systemd]:
    listener = Systemd(str(tmp_path / "notify.sock"))
    yield listener
    listener.close()


def test_ready_after_the_sign_in_paint_then_pings_that_stop_while_the_loop_is_blocked(
    systemd: Systemd, qtbot: QtBot
) -> None:
    env = {"NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": str(PING_USEC)}
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply(app, theme.Appearance())
    shell = Shell(Context(tasks=Tasks()))  # as kite builds it, before the store is open
    qtbot.addWidget(shell)
    shell.resize(1280, 800)
    painted: list[bool] = []
    shell.signin.first_paint.connect(lambda: painted.append(True))
    liveness = Liveness(shell.signin, Notifier(env))
    QApplication.processEvents()
    assert systemd.drain() == []  # built but not painted: not ready

    shell.show()
    qtbot.waitUntil(lambda: "READY=1" in systemd.drain(), timeout=10_000)
    assert painted == [True]
    assert systemd.heard[0] == "READY=1"
    qtbot.waitUntil(lambda: systemd.count("WATCHDOG=1") >= 3, timeout=10_000)

    # The event loop hangs: this test holds the UI thread for 10 watchdog periods.
    systemd.drain()
    before = len(systemd.heard)
    systemd.sock.settimeout(10 * PING_USEC / 1_000_000)
    with pytest.raises(TimeoutError):
        systemd.sock.recv(4096)
    systemd.sock.setblocking(False)
    assert len(systemd.heard) == before

    # Back in the loop: the pings come again.
    qtbot.waitUntil(lambda: systemd.count("WATCHDOG=1") >= 6, timeout=10_000)
    liveness.stopping()
    assert systemd.drain()[-1] == "STOPPING=1"


def test_nothing_is_sent_without_notify_socket_and_no_pings_without_watchdog_usec(
    systemd: Systemd,
) -> None:
    assert not Notifier({}).active
    assert not Notifier({}).notify("READY=1")
    assert Notifier({"NOTIFY_SOCKET": systemd.address}).watchdog_interval_ms is None
    assert (
        Notifier({"NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "0"}).watchdog_interval_ms
        is None
    )
    assert systemd.drain() == []


def test_an_abstract_namespace_socket_is_reached() -> None:
    listener = Systemd(f"@kite-test-{uuid.uuid4().hex}")
    try:
        notifier = Notifier({"NOTIFY_SOCKET": listener.address})
        assert notifier.notify("READY=1")
        notifier.close()
        assert listener.drain() == ["READY=1"]
    finally:
        listener.close()


def test_the_kite_program_notifies_ready_and_pings_and_says_stopping_on_sigterm(
    tmp_path: Path, systemd: Systemd, qtbot: QtBot
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = tmp_path / "kite.toml"
    config.write_text(
        f'data_dir = "{data}"\nserver_url = "http://127.0.0.1:9"\nconnect_timeout_s = 0.5\n',
        encoding="utf-8",
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KITE_", "NOTIFY_", "WATCHDOG_")) or k == "KITE_CREDENTIAL_FILE"
    }
    env |= {
        "QT_QPA_PLATFORM": "offscreen",
        "NOTIFY_SOCKET": systemd.address,
        "WATCHDOG_USEC": str(PING_USEC),
    }
    kite = subprocess.Popen(
        [sys.executable, "-m", "ui.main", "--config", str(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        qtbot.waitUntil(lambda: systemd.count("WATCHDOG=1") >= 3, timeout=30_000)
        assert systemd.heard[0] == "READY=1"
        kite.send_signal(signal.SIGTERM)
        _, stderr = kite.communicate(timeout=30)
    finally:
        if kite.poll() is None:
            kite.kill()
            kite.communicate()
    assert kite.returncode == 0, stderr
    assert systemd.drain()[-1] == "STOPPING=1"
