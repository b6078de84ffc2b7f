"""The central server's settings, from the environment (``KITE_CENTRAL_*``) or the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///kite-central.db"


class CentralSettings(BaseSettings):
    """Every knob of the reference server, with its default."""

    model_config = SettingsConfigDict(env_prefix="KITE_CENTRAL_", extra="forbid", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path.db (default) or postgresql+psycopg://...",
    )
    credential_days: Annotated[int, Field(ge=1, le=3650)] = 365
    #: A credential rotated out this recently, used again, is refused (401
    #: credential_rotated) instead of suspending its device: the genuine terminal's own
    #: request in flight across its rotation (sync.server.rotation).
    rotation_grace_s: Annotated[float, Field(ge=0, le=3600)] = 60.0
    #: First PIN-guess delay; each further failure doubles it (429 + Retry-After).
    throttle_base_s: Annotated[float, Field(gt=0, le=600)] = 1.0
    #: Wrong PINs for one resident, from all his unit's devices, that lock him everywhere
    #: (far above the policy's per-device count; see sync.server.signin).
    resident_pin_cap: Annotated[int, Field(ge=2, le=1000)] = 20
    #: Wrong PINs one device may enter, whoever they name, before each attempt waits.
    device_free_pin_failures: Annotated[int, Field(ge=1, le=1000)] = 10
    #: Wrong PINs from one device that flag it to staff as guessing PINs.
    device_flag_pin_failures: Annotated[int, Field(ge=1, le=10_000)] = 30
    #: A device with no wrong PIN for this long starts counting again from zero.
    device_pin_quiet_minutes: Annotated[int, Field(ge=16, le=24 * 60)] = 60
    #: How long a resident's session (protocol 1.4) may sign what he does on a device.
    resident_session_hours: Annotated[int, Field(ge=1, le=7 * 24)] = 12
    #: How often a long-poll re-reads the feed even without a wake-up (other processes' writes).
    poll_recheck_s: Annotated[float, Field(gt=0, le=60)] = 2.0
    #: A pending enrollment that its terminal has not asked about (enroll or collect) for
    #: this long expires: staff can no longer approve it and it no longer counts to the cap.
    enroll_pending_minutes: Annotated[int, Field(ge=1, le=30 * 24 * 60)] = 24 * 60
    #: Pending (unexpired) enrollments one facility may hold; more wait (429 + Retry-After).
    enroll_pending_cap: Annotated[int, Field(ge=1, le=100_000)] = 50
    #: New enrollment requests one client address may make per window (429 + Retry-After).
    enroll_per_address: Annotated[int, Field(ge=1, le=1_000_000)] = 10
    enroll_window_s: Annotated[int, Field(ge=1, le=24 * 3600)] = 600
    #: argon2id cost for PIN hashes (unset: argon2-cffi's defaults). Lower only for tests.
    argon2_time_cost: Annotated[int, Field(ge=1, le=20)] | None = None
    argon2_memory_kib: Annotated[int, Field(ge=1024, le=1_048_576)] | None = None
    #: The window: a terminal's request whose Kite-Client-Time is further than this from the
    #: server's clock is refused (403 clock_skew; see sync.server.time_window).
    clock_window_s: Annotated[int, Field(ge=1, le=7 * 24 * 3600)] = 300
    #: TLS served by kite-central itself (both or neither; PEM files). Unset: plain HTTP,
    #: for loopback or behind a reverse proxy that terminates TLS (docs/server.md).
    certfile: Path | None = None
    keyfile: Path | None = None
    #: A connection with no request under way is closed after this long without a byte.
    idle_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 5.0
    #: A request's line and headers must be complete this long after its first byte (also
    #: the TLS handshake).
    header_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 10.0
    #: A request's whole body must have arrived this long after its headers.
    body_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    #: Connections (and requests in progress) held at once; a request beyond is answered 503.
    max_connections: Annotated[int, Field(ge=1, le=1_000_000)] = 1000
    #: Addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed
    #: (comma-separated IPs or networks, "*" for any); the client address counts enrollments.
    forwarded_allow_ips: str = "127.0.0.1"

    @model_validator(mode="after")
    def _tls_files(self) -> Self:
        if (self.certfile is None) != (self.keyfile is None):
            raise ValueError("certfile and keyfile go together: give both for TLS, or neither")
        for name, path in (("certfile", self.certfile), ("keyfile", self.keyfile)):
            if path is not None and not path.is_file():
                raise ValueError(f"{name}: no such file {str(path)!r}")
        return self
