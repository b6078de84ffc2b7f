"""The time window: a terminal's request carries its clock, refused when too far from ours.

From protocol minor 5 a terminal sends ``Kite-Client-Time`` (its clock when it
sent the request) on every request. :class:`TimeWindow`, an ASGI middleware
outside everything else (before authentication, the body, any side effect),
compares it with this server's clock and refuses a request more than
``window_s`` seconds off, or without a readable time, with ``403 clock_skew``
and what the terminal needs to tell IT: the server's time, the terminal's, the
skew and the window. Every answer, a refusal or not, carries the server's clock
in ``Date``, so a terminal sees its skew on ordinary answers too.

The header is the time of the *request*: an outbox item written offline days ago
is judged by when it is sent, never by when it was written. A terminal that
announces minor 4 or earlier (or no ``Kite-Protocol``: staff, families, health
checks) is not checked; that header is not a secret, so the window finds wrong
clocks, it does not authenticate anything.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import (
    CLIENT_TIME_HEADER,
    CLIENT_TIME_SINCE_MINOR,
    PROTOCOL_HEADER,
    PROTOCOL_MAJOR,
    format_client_time,
    parse_client_time,
    protocol_major,
    protocol_minor,
)
from sync.server.clock import utcnow
from sync.server.errors import error_body

_PROTOCOL = PROTOCOL_HEADER.lower().encode()
_CLIENT_TIME = CLIENT_TIME_HEADER.lower().encode()


def http_date(when: datetime) -> bytes:
    """``when`` as an HTTP ``Date`` value (RFC 9110 IMF-fixdate)."""
    return format_datetime(when, usegmt=True).encode()


def documented(
    kite_client_time: Annotated[
        str | None,
        Header(
            alias=CLIENT_TIME_HEADER,
            description=(
                "The terminal's clock when it sent the request (RFC 3339 with a zone); "
                f"required from protocol 1.{CLIENT_TIME_SINCE_MINOR}, checked against the "
                "server's window (403 clock_skew)"
            ),
        ),
    ] = None,
) -> None:
    """The header in the OpenAPI document of every terminal endpoint; :class:`TimeWindow`
    has checked it before the request got here."""


def checks(version: str | None) -> bool:
    """Whether a request announcing ``version`` in ``Kite-Protocol`` must carry its time."""
    return (
        protocol_major(version) == PROTOCOL_MAJOR
        and protocol_minor(version) >= CLIENT_TIME_SINCE_MINOR
    )


class TimeWindow:
    """Refuses a terminal's request whose clock is more than ``window_s`` off; dates answers."""

    def __init__(self, app: ASGIApp, window_s: float) -> None:
        self.app = app
        self.window_s = window_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        version = headers.get(_PROTOCOL)
        if version is not None and checks(version.decode("latin-1")):
            raw = headers.get(_CLIENT_TIME)
            refusal = self._refusal(None if raw is None else raw.decode("latin-1"))
            if refusal is not None:
                await refusal(scope, receive, send)
                return

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*kept, (b"date", http_date(utcnow()))]}
            await send(message)

        await self.app(scope, receive, dated)

    def _refusal(self, header: str | None) -> JSONResponse | None:
        now = utcnow()
        sent = parse_client_time(header)
        window = self.window_s
        if sent is None:
            problem = (
                f"this request has no {CLIENT_TIME_HEADER} header"
                if header is None
                else f"{CLIENT_TIME_HEADER} {header[:40]!r} is not an RFC 3339 time with a zone"
            )
            skew_s: float | None = None
        else:
            skew_s = round((now - sent).total_seconds(), 3)
            if abs(skew_s) <= window:
                return None
            direction = "behind" if skew_s > 0 else "ahead of"
            problem = (
                f"the terminal's clock is {abs(skew_s):.0f} s {direction} the server's, "
                f"more than the {window:g} s this server allows"
            )
        return JSONResponse(
            error_body(
                "clock_skew",
                f"{problem}; set the terminal's clock (NTP), then try again",
                server_time=format_client_time(now),
                client_time=None if sent is None else format_client_time(sent),
                skew_s=skew_s,
                window_s=window,
            ),
            status_code=403,
            headers={"Date": http_date(now).decode()},
        )
