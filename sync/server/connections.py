"""Deadlines on every connection, so a client cannot hold the server by saying nothing.

uvicorn closes a keep-alive connection that stays silent after an answer
(``timeout_keep_alive``) and refuses requests past ``limit_concurrency`` (503),
but it has no deadline for a connection that never sends a request, nor for one
that sends its headers or its body a byte at a time (uvicorn issue #157: its
``timeout_keep_alive`` timer is disarmed by the first byte and never armed
again until an answer has gone out; ASGI middleware runs only once the headers
are complete, too late). :func:`guarded_protocol` adds those deadlines to
uvicorn's h11 protocol:

- **idle**: a connection with no request under way (just opened, or after an
  answer) is closed after ``idle_s`` without a byte;
- **headers**: once the first byte of a request arrives, its request line and
  headers must be complete within ``header_s``;
- **body**: once the headers are complete, the whole body must have arrived
  within ``body_s``.

Each deadline is absolute, not reset by each byte: a client trickling one byte
every few seconds is closed on time. A request whose body has arrived has no
deadline while the application answers it (a long poll waits up to 60 s). With
TLS, the handshake must complete within ``header_s`` as well
(:class:`GuardedServer`); asyncio's default would hold a silent TLS client 60 s.

A request past the cap gets :func:`answer_busy` instead of uvicorn's bare 503:
``Retry-After`` and the error shape of every other refusal, so a terminal backs off
for that long rather than counting the server as broken.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import socket
from dataclasses import dataclass
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http import h11_impl
from uvicorn.protocols.http.h11_impl import H11Protocol

from sync.server.errors import error_body

log = logging.getLogger("kite.central.connections")


@dataclass(frozen=True)
class ConnectionLimits:
    """The deadlines (seconds) and the cap on connections the server holds at once."""

    idle_s: float
    header_s: float
    body_s: float
    max_connections: int


#: How long a client refused for the connection cap is asked to wait.
BUSY_RETRY_AFTER_S = 2


async def answer_busy(scope: Any, receive: Any, send: Any) -> None:
    """The answer to a request past the connection cap (an ASGI app)."""
    body = json.dumps(
        error_body(
            "throttled",
            "the server holds as many connections as it may; come back later",
            retry_after_s=BUSY_RETRY_AFTER_S,
        )
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(BUSY_RETRY_AFTER_S).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def guarded_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    """uvicorn's h11 protocol with the idle, header and body deadlines of ``limits``."""
    # uvicorn answers a request past ``limit_concurrency`` with the ASGI app it names
    # ``service_unavailable`` in this module (a bare text 503): ours says when to return.
    setattr(h11_impl, "service_unavailable", answer_busy)  # noqa: B010 (a module global)

    class GuardedProtocol(H11Protocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # uvicorn's keep-alive timer closes a connection silent after an answer.
            self.timeout_keep_alive = limits.idle_s  # type: ignore[assignment]
            self._deadline: asyncio.TimerHandle | None = None
            self._waiting_for: str | None = None  # "headers" or "body"

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            # uvicorn arms its keep-alive timer only after an answer: a connection that never
            # sends a byte would be held forever.
            self.timeout_keep_alive_task = self.loop.call_later(
                limits.idle_s, self.timeout_keep_alive_handler
            )

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._waiting_for is None and self.conn.their_state is h11.IDLE:
                self._arm("headers", limits.header_s)
            super().data_received(data)
            self._follow()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._follow()  # a pipelined request may already be under way

        def _follow(self) -> None:
            """Move the deadline along with the request: headers, then body, then none."""
            state = self.conn.their_state
            if state is h11.SEND_BODY:
                if self._waiting_for != "body":
                    self._arm("body", limits.body_s)
            elif state is not h11.IDLE or self._waiting_for == "body":
                self._disarm()  # the request is complete (or the connection is ending)

        def _arm(self, what: str, seconds: float) -> None:
            self._disarm()
            self._waiting_for = what
            self._deadline = self.loop.call_later(seconds, self._expired, what, seconds)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            self._waiting_for = None

        def _expired(self, what: str, seconds: float) -> None:
            self._deadline = None
            self._waiting_for = None
            if self.transport.is_closing():
                return
            log.info("closed %s: its request %s took longer than %s s", self.client, what, seconds)
            self.transport.close()

    return GuardedProtocol


class GuardedServer(uvicorn.Server):
    """uvicorn's server, with the TLS handshake bounded by the header deadline."""

    def __init__(self, config: uvicorn.Config, limits: ConnectionLimits) -> None:
        super().__init__(config)
        self.limits = limits

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        if self.config.ssl_certfile:
            loop = asyncio.get_running_loop()
            # uvicorn offers no setting for it; asyncio's default is 60 s.
            bounded = functools.partial(
                loop.create_server, ssl_handshake_timeout=self.limits.header_s
            )
            setattr(loop, "create_server", bounded)  # noqa: B010 (an instance, not the class)
        await super().serve(sockets)
