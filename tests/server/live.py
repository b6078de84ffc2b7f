"""A real reference server on 127.0.0.1 for tests: :class:`LiveServer` and :class:`World`.

The server runs as ``kite-central serve`` in a subprocess on a socket this
process bound to port 0 (so no port race), against a fresh SQLite file or a
fresh PostgreSQL schema, seeded with the demo facility; :meth:`LiveServer.start`
returns once ``/v1/health`` answers. Tests reach it only over HTTP.

:meth:`LiveServer.world` builds an isolated little world through the staff and
family endpoints: its own housing unit, residents with PINs and balances, a
family with approved contacts, and an enrolled device for that unit.
Other suites (the terminal's sync engine) import these helpers; see the
``central_server`` and ``world`` fixtures in ``tests/server/conftest.py``.
"""

from __future__ import annotations

import os
import secrets
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
from sync.server.seed import FAMILY_TOKEN, STAFF_TOKEN, SeedReport, seed_demo, seed_facility
from tests.fault.clocks import run_offset
from tests.server.proving import ProvingTransport, Sessions

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


def collection_secret() -> str:
    """A fresh enrollment collection secret, as a terminal mints it."""
    return secrets.token_urlsafe(32)


def enroll_body(
    device_id: str, code: str, secret: str, facility_id: str = "demo"
) -> dict[str, str]:
    """The body of ``POST /v1/enroll``."""
    return {
        "device_id": device_id,
        "one_time_code": code,
        "collection_secret": secret,
        "facility_id": facility_id,
        "device_name": "test terminal",
    }


def key() -> str:
    """A fresh idempotency key (32 hex digits)."""
    return uuid.uuid4().hex


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

    # -- worlds --------------------------------------------------------------------------

    def add_facility(self) -> Facility:
        """A new, empty facility beside the demo one, with a staff token of its own.

        Made in-process by the seed function a deployment uses (there is no endpoint
        that creates facilities); the running server sees it at once.
        """
        facility = Facility(self.unique("fac"), f"kst_{uuid.uuid4().hex}")
        db = Database(self.database_url)
        try:
            seed_facility(db, facility.facility_id, "Another facility", facility.staff_token)
        finally:
            db.dispose()
        return facility

    def enroll_device(
        self, units: list[str], device_id: str | None = None, facility: Facility | None = None
    ) -> tuple[str, str]:
        """Request (code + secret), approve (staff, with the code) and collect (with the
        secret): returns (device_id, credential)."""
        device_id = device_id or self.unique("dev")
        code, secret = uuid.uuid4().hex[:12], collection_secret()
        facility_id = facility.facility_id if facility else "demo"
        staff_token = facility.staff_token if facility else None
        self.enroll_codes[device_id] = code
        with self.client() as terminal, self.staff(staff_token) as staff:
            ok(terminal.post("/v1/enroll", json=enroll_body(device_id, code, secret, facility_id)))
            ok(
                staff.post(
                    f"/v1/staff/devices/{device_id}/approve",
                    json={"housing_units": units, "one_time_code": code},
                )
            )
            answer = ok(
                terminal.post(
                    "/v1/enroll/collect",
                    json={"device_id": device_id, "collection_secret": secret},
                )
            )
        assert answer["state"] == "approved"
        self.device_ids[answer["credential"]] = device_id
        return device_id, answer["credential"]

    def world(
        self,
        residents: int = 1,
        debit_cents: int = 0,
        stamps: int = 0,
        devices: int = 1,
        *,
        facility: Facility | None = None,
        unit: str | None = None,
    ) -> World:
        """A fresh housing unit with its residents, a family contact each, and enrolled devices.

        In the demo facility unless ``facility`` (from :meth:`add_facility`) is given;
        ``unit`` names the housing unit (a fresh unique ID by default).
        """
        unit = unit or self.unique("unit")
        world = World(server=self, unit=unit, facility=facility)
        with self.staff(facility.staff_token if facility else None) as staff:
            ok(staff.post("/v1/staff/housing-units", json={"unit_id": unit, "name": unit}))
            family_id = self.unique("fam")
            world.family_token = ok(
                staff.post(
                    "/v1/staff/families",
                    json={"family_id": family_id, "display_name": "Test family"},
                )
            )["token"]
            world.family_id = family_id
            for i in range(residents):
                rid = self.unique("res")
                number = str(uuid.uuid4().int)[:9]
                pin = f"{1000 + i}"
                ok(
                    staff.post(
                        "/v1/staff/residents",
                        json={
                            "resident_id": rid,
                            "facility_number": number,
                            "display_name": f"Resident {i}",
                            "housing_unit": unit,
                            "pin": pin,
                        },
                    )
                )
                cid = self.unique("con")
                ok(
                    staff.post(
                        "/v1/staff/contacts",
                        json={
                            "contact_id": cid,
                            "resident_id": rid,
                            "family_id": family_id,
                            "display_name": f"Family of {i}",
                            "state": "approved",
                            "accepts_cod": True,
                        },
                    )
                )
                if debit_cents:
                    ok(
                        staff.post(
                            f"/v1/staff/residents/{rid}/deposit",
                            json={"idempotency_key": key(), "cents": debit_cents},
                        )
                    )
                world.residents.append(TestResident(rid, number, pin, cid))
                self.pins[rid] = (number, pin)
        if stamps:
            with self.family(world.family_token) as fam:
                for r in world.residents:
                    ok(
                        fam.post(
                            "/v1/family/transfers",
                            json={
                                "idempotency_key": key(),
                                "contact_id": r.contact_id,
                                "stamps": stamps,
                            },
                        )
                    )
        for _ in range(devices):
            world.devices.append(self.enroll_device([unit], facility=facility))
        return world

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


@dataclass(frozen=True)
class Facility:
    """A facility beside the demo one (:meth:`LiveServer.add_facility`) and its staff token."""

    facility_id: str
    staff_token: str


@dataclass
class TestResident:
    __test__ = False  # not a pytest class

    resident_id: str
    facility_number: str
    pin: str
    contact_id: str


@dataclass
class World:
    """One test's corner of the facility (see :meth:`LiveServer.world`)."""

    server: LiveServer
    unit: str
    facility: Facility | None = None  # None: the demo facility
    family_id: str = ""
    family_token: str = ""
    residents: list[TestResident] = field(default_factory=list)
    devices: list[tuple[str, str]] = field(default_factory=list)  # (device_id, credential)

    @property
    def resident(self) -> TestResident:
        return self.residents[0]

    @property
    def credential(self) -> str:
        return self.devices[0][1]

    def terminal(self, index: int = 0, *, prove: bool = True) -> httpx.Client:
        """An HTTP client speaking as device ``index`` of this world (see ``LiveServer.client``)."""
        return self.server.client(self.devices[index][1], prove=prove)

    def family(self) -> httpx.Client:
        return self.server.family(self.family_token)

    def staff(self) -> httpx.Client:
        """The staff of this world's facility."""
        return self.server.staff(self.facility.staff_token if self.facility else None)


def ok(response: httpx.Response) -> Any:
    """The JSON of a 2xx answer; otherwise fail showing the error body."""
    assert response.is_success, (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    )
    return response.json()


def item(
    kind: str, seq: int, payload: dict[str, Any], idempotency_key: str | None = None
) -> dict[str, Any]:
    """One outbox item as a terminal sends it."""
    return {
        "idempotency_key": idempotency_key or key(),
        "seq": seq,
        "kind": kind,
        "payload": payload,
    }


def purchase(
    resident_id: str, product: str = "stamp-1", quantity: int = 1, price: int = 50
) -> dict[str, Any]:
    return {
        "client_id": key(),
        "resident_id": resident_id,
        "product_id": product,
        "quantity": quantity,
        "price_cents": price,
    }


def message(
    resident_id: str,
    contact_id: str,
    payment: str = "stamps",
    body: str = "Hello",
    stamps: int | None = None,
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    return {
        "client_id": key(),
        "resident_id": resident_id,
        "contact_id": contact_id,
        "body": body,
        "in_reply_to": in_reply_to,
        "payment": payment,
        "stamps": (1 if payment == "stamps" else 0) if stamps is None else stamps,
        "written_at": "2026-11-23T08:00:00Z",
    }


def pull_all(
    client: httpx.Client, cursor: str = "0", limit: int = 500
) -> tuple[list[dict[str, Any]], str]:
    """Every change after ``cursor``, page by page; returns (changes, last cursor)."""
    changes: list[dict[str, Any]] = []
    while True:
        page = ok(client.get("/v1/changes", params={"cursor": cursor, "limit": limit}))
        changes.extend(page["changes"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor
