"""The accessibility bus for one test module: Xvfb, a D-Bus session (whose ``org.a11y.Bus``
starts ``at-spi-bus-launcher`` and the registry), an AT-SPI client from Debian's Python
(``tests/ui/atspi_client.py``) and Kite's window (``tests/ui/atspi_app.py``).

:class:`AtSpiSession` starts them once; the test drives the app with :meth:`do`, and
:meth:`mark` returns what the client heard since the last mark (the app changes its
window's description to a numbered marker after the steps; the bus keeps one sender's
signals in order, so every event of those steps arrives before the marker).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"
MARK = "kite-test-mark-"
DEADLINE_S = 60.0


def _die_with_parent() -> None:
    """In the child: end when the test process ends, even killed (Linux's PR_SET_PDEATHSIG),
    so a killed run leaves no X server or bus behind."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


class BusUnavailable(RuntimeError):
    """This machine cannot run the accessibility bus; the message says what is missing."""


def check_machine() -> None:
    missing = [tool for tool in ("Xvfb", "dbus-daemon") if not shutil.which(tool)]
    if not Path("/usr/libexec/at-spi-bus-launcher").exists():
        missing.append("at-spi2-core")
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        missing.append("python3-pyatspi")
    if missing:
        raise BusUnavailable(
            f"missing {', '.join(missing)}: install the Debian packages xvfb, dbus, "
            "at-spi2-core and python3-pyatspi (bash .ci/setup does)"
        )


class Lines:
    """A child's stdout, read on a thread into a queue of parsed JSON lines."""

    def __init__(self, stream: IO[str]) -> None:
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            line = line.strip()
            if line.startswith("{"):
                self.queue.put(json.loads(line))
        self.queue.put({"eof": True})

    def next(self, deadline: float = DEADLINE_S) -> dict[str, Any]:
        try:
            item = self.queue.get(timeout=deadline)
        except queue.Empty:
            raise TimeoutError(f"no answer within {deadline} s") from None
        if item.get("eof"):
            raise EOFError("the process ended")
        return item


class AtSpiSession:
    """Everything a screen reader needs, and Kite on it."""

    def __init__(self) -> None:
        check_machine()
        self.folder = Path(tempfile.mkdtemp(prefix="kite-atspi-"))
        runtime = self.folder / "runtime"
        runtime.mkdir(mode=0o700)
        self.processes: list[subprocess.Popen[str]] = []
        self.logs: list[Path] = []
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("QT_", "DBUS_", "AT_SPI", "DISPLAY", "WAYLAND"))
        }
        self.env["XDG_RUNTIME_DIR"] = str(runtime)
        self.env["NO_AT_BRIDGE"] = "0"
        self.marks = 0
        self.history: list[dict[str, Any]] = []  # every event heard, for the module's end
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _spawn(self, name: str, args: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        log = self.folder / f"{name}.log"
        self.logs.append(log)
        with log.open("w") as stderr:
            return self._popen(args, stderr, **kwargs)

    def _popen(self, args: list[str], stderr: IO[str], **kwargs: Any) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            args,
            stdin=kwargs.pop("stdin", subprocess.DEVNULL),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=kwargs.pop("env", self.env),
            cwd=REPO,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            **kwargs,
        )
        self.processes.append(process)
        return process

    def _start(self) -> None:
        xvfb = self._spawn(
            "xvfb",
            ["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        )
        assert xvfb.stdout is not None
        self.env["DISPLAY"] = f":{xvfb.stdout.readline().strip()}"
        bus = self._spawn("dbus", ["dbus-daemon", "--session", "--nofork", "--print-address=1"])
        assert bus.stdout is not None
        self.env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
        client = self._spawn(
            "client",
            [SYSTEM_PYTHON, "-u", str(REPO / "tests" / "ui" / "atspi_client.py")],
            stdin=subprocess.PIPE,
        )
        assert client.stdout is not None
        self.client, self.heard = client, Lines(client.stdout)
        app_env = dict(self.env)
        app_env.update(
            QT_QPA_PLATFORM="xcb",
            QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1",
            PYTHONPATH=str(REPO),
        )
        app = self._spawn(
            "app",
            [sys.executable, "-u", "-m", "tests.ui.atspi_app"],
            stdin=subprocess.PIPE,
            env=app_env,
        )
        assert app.stdout is not None
        self.app, self.answers = app, Lines(app.stdout)
        # Both start at once (the app takes the longer); the markers wait for the two.
        self._wait_for(self.heard, "ready")
        self._wait_for(self.answers, "ready")
        self.mark()  # the first marker heard: the app knows the client's listeners

    def _wait_for(self, lines: Lines, key: str) -> dict[str, Any]:
        deadline = time.monotonic() + DEADLINE_S
        while True:
            item = lines.next(max(0.1, deadline - time.monotonic()))
            if key in item:
                return item

    def do(self, what: str, **fields: Any) -> dict[str, Any]:
        """One step of the app (see ``tests/ui/atspi_app.py``); its answer."""
        assert self.app.stdin is not None
        self.app.stdin.write(json.dumps({"do": what, **fields}) + "\n")
        self.app.stdin.flush()
        answer = self._wait_for(self.answers, "ok")
        if not answer["ok"]:
            raise AssertionError(f"the app could not {what} {fields}: {answer['error']}")
        return answer

    def mark(self, rounds: int = 2) -> list[dict[str, Any]]:
        """Every event heard since the last mark, in order.

        The client's library may hold an event back while it first reads the object that
        sent it, so a marker can overtake it: two markers in turn make the round trip
        twice (``rounds=1`` where only the client's view of what is on screen must be
        current, not every event counted: a late event is still judged at the module's
        end, in :attr:`history`). Until the app has learnt which events the client listens
        to it sends none, so the first marker may go unheard: a new one is set every second
        until one is.
        """
        events = [event for _ in range(rounds) for event in self._mark()]
        self.history.extend(events)
        return events

    def _mark(self) -> list[dict[str, Any]]:
        deadline = time.monotonic() + DEADLINE_S
        events: list[dict[str, Any]] = []
        while True:
            self.marks += 1
            expected = f"{MARK}{self.marks}"
            self.do("mark", n=self.marks)
            retry = min(deadline, time.monotonic() + 1.0)
            while time.monotonic() < retry:
                try:
                    item = self.heard.next(max(0.05, retry - time.monotonic()))
                except TimeoutError:
                    break
                event = item.get("event")
                if event is None:
                    continue
                if MARK in str(event.get("data")):
                    if event["data"] == expected:
                        return events
                    continue  # an earlier, unheard-in-time marker
                events.append(event)
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the client never heard {expected}")

    def tree(self) -> list[dict[str, Any]]:
        """The showing accessible tree of every application, as the client reads it."""
        assert self.client.stdin is not None
        self.client.stdin.write("tree\n")
        self.client.stdin.flush()
        return self._wait_for(self.heard, "tree")["tree"]  # type: ignore[no-any-return]

    def close(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, 15)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def stderr(self) -> str:
        return "\n".join(f"== {log.name}\n{log.read_text()}" for log in self.logs if log.exists())
