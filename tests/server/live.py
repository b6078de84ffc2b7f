"""A real reference server on 127.0.0.1 for tests: :class:`LiveServer` and :class:`ServerPool`.

The server runs as ``kite-central serve`` in a subprocess on a socket this
process bound to port 0 (so no port race), against a fresh SQLite file or a
fresh PostgreSQL schema, seeded with the demo facility; :meth:`LiveServer.start`
returns once ``/v1/health`` answers. Tests reach it only over HTTP.

:meth:`LiveServer.world` builds an isolated little world through the staff and
family endpoints: its own housing unit, residents with PINs and balances, a
family with approved contacts, and an enrolled device for that unit
(:mod:`tests.server.worlds`). The small request and response helpers (``ok``,
``key``, ``item``, ``pull_all``, ...) live in :mod:`tests.server.wire`; this module
re-exports both, so ``from tests.server.live import World, ok`` keeps working.
Other suites (the terminal's sync engine) import these helpers; see the
``central_server`` and ``world`` fixtures in ``tests/server/conftest.py``.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from sync.protocol import (
    CLIENT_TIME_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    format_client_time,
)
from sync.server.clock import OFFSET_FILE_ENV
from sync.server.db import Database
from sync.server.seed import FAMILY_TOKEN, STAFF_TOKEN, SeedReport, seed_demo
from tests.fault.clocks import run_offset
from tests.server import worlds
from tests.server.proving import ProvingTransport, Sessions

# Re-exported (``X as X``): importers of these names from this module keep working.
from tests.server.wire import collection_secret as collection_secret
from tests.server.wire import enroll_body as enroll_body
from tests.server.wire import item as item
from tests.server.wire import key as key
from tests.server.wire import message as message
from tests.server.wire import ok as ok
from tests.server.wire import pull_all as pull_all
from tests.server.wire import purchase as purchase
from tests.server.worlds import Facility as Facility
from tests.server.worlds import TestResident as TestResident
from tests.server.worlds import World as World

POSTGRES_ENV = "KITE_TEST_POSTGRES_URL"
# httpx builds a new TLS context for every client unless handed one (40 ms each, for a
# plain-HTTP loopback server): the tests' many short-lived clients share this one.
TLS_CONTEXT = ssl.create_default_context()
# Cheap argon2 for test runs: the format and the code path are the production ones.
TEST_ENV = {
    "KITE_CENTRAL_ARGON2_TIME_COST": "1",
    "KITE_CENTRAL_ARGON2_MEMORY_KIB": "8192",
    "KITE_CENTRAL_THROTTLE_BASE_S": "0.2",
    "KITE_CENTRAL_POLL_RECHECK_S": "5",
    # Every test enrolls from 127.0.0.1: the shared servers must not rate-limit the suite
    # (tests/security/test_attacks_enrollment.py runs servers with the production limits).
    "KITE_CENTRAL_ENROLL_PER_ADDRESS": "1000000",
    "KITE_CENTRAL_ENROLL_PENDING_CAP": "100000",
    # The test terminals run on a clock at which the demo facility is open, up to a day
    # ahead of the real one (tests.fault.clocks.open_hours_clock), and tests move a private
    # server's clock by days: the shared servers' window spans both. The time window's own
    # tests run servers with the production window (tests/security/test_time_window.py).
    "KITE_CENTRAL_CLOCK_WINDOW_S": str(3 * 24 * 3600),
}


def backends() -> list[str]:
    """``sqlite`` always; ``postgres`` too when KITE_TEST_POSTGRES_URL is set (CI sets it)."""
    return ["sqlite", "postgres"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


def fresh_postgres_url() -> str:
    """A new, empty database on the test cluster, so each server starts clean."""
    base = os.environ[POSTGRES_ENV]
    name = f"kite_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


class ServerPool:
    """One shared server per backend for the whole test session, each started on first use.

    Tests on a shared server build their own corner of the facility (:meth:`LiveServer.world`)
    and never change what is facility-wide (policy, the server's clock, a restart): those run
    on a private server (``private_server``). A shared server that died is replaced, so one
    crash fails one test, not every test after it.
    """

    def __init__(self, workdir: Callable[[str], Path]) -> None:
        self._workdir = workdir
        self._servers: dict[str, LiveServer] = {}

    def get(self, backend: str) -> LiveServer:
        server = self._servers.get(backend)
        if server is None or not server.running:
            server = LiveServer.start(self._workdir(f"central-{backend}"), backend=backend)
            self._servers[backend] = server
        return server

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


class LiveServer:
    """A running ``kite-central serve`` subprocess, seeded with the demo facility."""

    def __init__(
        self,
        workdir: Path,
        database_url: str,
        backend: str,
        seed: SeedReport,
        env: dict[str, str],
        tls: ServerTls | None = None,
    ) -> None:
        self.tls = tls
        #: What the tests' clients trust: the server's own CA when it serves TLS.
        self.verify = ssl.create_default_context(cafile=str(tls.ca)) if tls else TLS_CONTEXT
        self.database_url = database_url
        self.backend = backend
        self.seed = seed
        self.log = workdir / "central.log"
        self.clock_file = workdir / "clock-offset"
        self.env = {**env, OFFSET_FILE_ENV: str(self.clock_file)}
        self.staff_token = STAFF_TOKEN
        self.family_token = FAMILY_TOKEN
        self._counter = 0
        # On the test terminals' clock (tests.fault.clocks), so that server and terminal
        # agree on the time and on the facility's hours, as real clocks do.
        self._clock_offset = 0.0
        self.advance_clock(run_offset().total_seconds())
        #: The one-time code each device enrolled by :meth:`enroll_device` showed (staff
        #: approve a device again only with it).
        self.enroll_codes: dict[str, str] = {}
        #: What a genuine terminal knows to prove its pushes (tests/server/proving.py): each
        #: enrolled device's ID by credential, each world resident's number and PIN, and
        #: the sessions opened so far.
        self.device_ids: dict[str, str] = {}
        self.pins: dict[str, tuple[str, str]] = {}
        self.sessions = Sessions()
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(
        cls,
        workdir: Path,
        backend: str = "sqlite",
        env: dict[str, str] | None = None,
        tls: ServerTls | None = None,
    ) -> LiveServer:
        """A new server on a new database, seeded with the demo facility, ready to answer.

        With ``tls``, ``kite-central serve --certfile --keyfile`` serves HTTPS.
        """
        database_url = (
            fresh_postgres_url() if backend == "postgres" else f"sqlite:///{workdir / 'central.db'}"
        )
        from sync.server import pins

        pins.configure(1, 8192)
        db = Database(database_url)
        try:
            seed = seed_demo(db)
        finally:
            db.dispose()
        environment = {**TEST_ENV, **(env or {}), "KITE_CENTRAL_DATABASE_URL": database_url}
        server = cls(workdir, database_url, backend, seed, environment, tls)
        server.log.write_bytes(b"")
        server._spawn(port=0)
        return server

    def _spawn(self, port: int) -> None:
        """Run ``kite-central serve`` on a socket bound here (port 0: a free one; no race)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(512)
        scheme = "https" if self.tls else "http"
        self.url = f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
        command = [sys.executable, "-m", "sync.server.cli", "serve"]
        command += ["--fd", str(sock.fileno()), "--log-level", "warning"]
        if self.tls:
            command += ["--certfile", str(self.tls.certfile), "--keyfile", str(self.tls.keyfile)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                pass_fds=[sock.fileno()],
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        sock.close()
        self._wait_ready()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _wait_ready(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kite-central exited: {self.server_log()}")
            try:
                health = httpx.get(f"{self.url}/v1/health", timeout=5, verify=self.verify)
                if health.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("kite-central did not become ready in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def restart(self) -> None:
        """Stop (if running) and start again on the same URL and database (outage tests)."""
        self.stop()
        self._spawn(port=int(self.url.rsplit(":", 1)[1]))

    def advance_clock(self, seconds: float) -> None:
        """Move the server's clock forward (private servers only: it is facility-wide)."""
        self._clock_offset += seconds
        scratch = self.clock_file.with_suffix(".new")
        scratch.write_text(repr(self._clock_offset), encoding="ascii")
        scratch.replace(self.clock_file)

    def server_log(self, since: int = 0) -> str:
        """What the server logged (from byte ``since`` on: see :meth:`log_size`)."""
        with self.log.open("rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")

    def log_size(self) -> int:
        return self.log.stat().st_size

    @contextmanager
    def watched(self) -> Iterator[LiveServer]:
        """This server for one test, which fails if the server logged a traceback meanwhile.

        A server error is a bug even when the test that caused it passed.
        """
        mark = self.log_size()
        yield self
        logged = self.server_log(mark)
        assert "Traceback" not in logged, logged[-5000:]

    # -- clients -------------------------------------------------------------------------

    def client(
        self,
        token: str | None = None,
        protocol: str | None = PROTOCOL_VERSION,
        timeout: float = 30.0,
        *,
        prove: bool = True,
    ) -> httpx.Client:
        """An HTTP client on the server; ``token`` as bearer, the protocol header unless None.

        With a device's credential (and ``prove``), the client proves what it pushes for
        a resident of a world, as a genuine terminal would (``tests/server/proving.py``).
        """
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        hooks = {}
        if protocol is not None:
            headers[PROTOCOL_HEADER] = protocol
            hooks = {"request": [self.stamp_client_time]}
        transport: httpx.BaseTransport = httpx.HTTPTransport(verify=self.verify)
        device_id = self.device_ids.get(token or "")
        if prove and device_id is not None:
            transport = ProvingTransport(transport, device_id, self.pins, self.sessions)
        return httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            event_hooks=hooks,
        )

    def now(self) -> datetime:
        """This server's clock (real time plus what :meth:`advance_clock` added)."""
        return datetime.now(UTC) + timedelta(seconds=self._clock_offset)

    def stamp_client_time(self, request: httpx.Request) -> None:
        """Put the time on a request as a terminal whose clock agrees with this server's does
        (unless the test set one itself)."""
        request.headers.setdefault(CLIENT_TIME_HEADER, format_client_time(self.now()))

    def proved(self, credential: str, body: Any) -> Any:
        """A push ``body`` with its residents' items proved, as the device of ``credential``
        would send it (for tests that write the request themselves)."""
        transport = ProvingTransport(
            httpx.HTTPTransport(verify=self.verify),
            self.device_ids[credential],
            self.pins,
            self.sessions,
        )
        headers = {
            "Authorization": f"Bearer {credential}",
            PROTOCOL_HEADER: PROTOCOL_VERSION,
            CLIENT_TIME_HEADER: format_client_time(self.now()),
        }
        with transport:
            return transport.prove(f"{self.url}/v1/push", headers, body)

    def staff(self, token: str | None = None) -> httpx.Client:
        return self.client(token or self.staff_token, protocol=None)

    def family(self, token: str | None = None) -> httpx.Client:
        return self.client(token or self.family_token, protocol=None)

    def unique(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}-{os.getpid()}-{self._counter}-{uuid.uuid4().hex[:6]}"

    # -- worlds: built in tests/server/worlds.py, called as methods of this server --------

    add_facility = worlds.add_facility
    enroll_device = worlds.enroll_device
    world = worlds.build_world

    def balances(self, resident_id: str) -> tuple[int, int]:
        """(stamps, debit cents) as the server holds them."""
        with self.staff() as staff:
            rows = ok(staff.get("/v1/staff/residents"))
        row = next(r for r in rows if r["resident_id"] == resident_id)
        return row["stamps"], row["debit_cents"]


@dataclass(frozen=True)
class ServerTls:
    """PEM files for a server that serves TLS itself: its certificate and key, and the CA."""

    certfile: Path
    keyfile: Path
    ca: Path
