"""The ASGI application: routes, error answers, the body-size cap, the long-poll wake-up.

``create_app()`` builds it from :class:`CentralSettings`; ``kite-central serve``
runs it under uvicorn (one process: long-poll wake-ups are in-process; other
processes' writes are still seen within ``poll_recheck_s``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync.protocol import MAX_REQUEST_BYTES, PROTOCOL_MAJOR, nul_at
from sync.server import (
    openapi,
    pins,
    routes_family,
    routes_staff,
    routes_terminal,
    routes_versions,
    time_window,
)
from sync.server.db import Database
from sync.server.errors import ApiError, error_body
from sync.server.feed import FeedNotifier
from sync.server.settings import CentralSettings

log = logging.getLogger("kite.central")

# A JSON string escape of NUL (an odd run of backslashes before u0000).
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


class BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413, counted as it streams in."""

    def __init__(self, app: ASGIApp, limit: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _too_large(send, self.limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send, limit: int) -> None:
    response = JSONResponse(
        error_body("body_too_large", f"the request body is over {limit} bytes", limit=limit),
        status_code=413,
    )
    await send({"type": "http.response.start", "status": 413, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
        for e in exc.errors()[:20]
    ]


def refuse_unknown_query(request: Request) -> None:
    """A query parameter the operation does not declare is 422, as an unknown field is."""
    if not request.query_params:
        return
    template = getattr(request.scope.get("route"), "path_format", "")
    operation = request.app.openapi()["paths"].get(template, {}).get(request.method.lower(), {})
    declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    unknown = sorted(set(request.query_params) - declared)[:20]
    if unknown:
        errors = [
            {
                "loc": ["query", n],
                "type": "extra_forbidden",
                "msg": "Extra inputs are not permitted",
            }
            for n in unknown
        ]
        raise ApiError(422, "invalid_request", "the request has unknown parameters", errors=errors)


async def refuse_nul(request: Request) -> None:
    """No text may hold NUL (U+0000): PostgreSQL cannot store it (it was a 500 there).

    422 for the request, but in a push the item that holds one is rejected alone
    (``invalid_payload``, :mod:`sync.server.push`), as any bad payload is.
    """
    query = nul_at(dict(request.query_params), ("query",))
    body: Any = None
    if request.url.path != "/v1/push" and _ESCAPED_NUL.search(await request.body()):
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None  # malformed JSON: refused as such, by the route
    where = query or nul_at(body, ("body",))
    if where is not None:
        errors = [{"loc": list(where), "type": "nul_character", "msg": "text must not contain NUL"}]
        raise ApiError(422, "invalid_request", "text must not contain NUL (U+0000)", errors=errors)


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method the OpenAPI document names for this path (Starlette names one route's)."""
    path = request.url.path
    allowed: set[str] = set()
    for template, operations in app.openapi()["paths"].items():
        if compile_path(template)[0].match(path):
            allowed |= {method.upper() for method in operations}
    return sorted(allowed)


def create_app(settings: CentralSettings | None = None) -> FastAPI:
    """The reference central server for ``settings`` (environment if omitted)."""
    settings = settings or CentralSettings()
    pins.configure(settings.argon2_time_cost, settings.argon2_memory_kib)
    db = Database(settings.database_url)
    notifier = FeedNotifier()
    db.after_publish.append(notifier.notify)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db.create_schema()
        notifier.bind(asyncio.get_running_loop())
        try:
            yield
        finally:
            db.dispose()

    app = FastAPI(
        dependencies=[Depends(refuse_unknown_query), Depends(refuse_nul)],
        title="Kite central (reference server)",
        version=f"{PROTOCOL_MAJOR}.0",
        description="The executable specification of the Kite sync protocol (docs/protocol.md).",
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.notifier = notifier

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        if any(e["type"] == "json_invalid" for e in errors):
            return JSONResponse(
                error_body("malformed_json", "the body is not valid JSON", errors=errors),
                status_code=400,
            )
        return JSONResponse(
            error_body("invalid_request", "the request does not match the protocol", errors=errors),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            allowed = _allowed_methods(app, request)
            return JSONResponse(
                error_body(
                    "method_not_allowed",
                    f"{request.method} is not an operation of this path",
                    allowed=allowed,
                ),
                status_code=405,
                headers={"Allow": ", ".join(allowed)},
            )
        code = "not_found" if exc.status_code == 404 else "invalid_request"
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _bug(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("server error", exc_info=exc)
        return JSONResponse(error_body("internal_error", "server error (a bug)"), status_code=500)

    app.include_router(routes_terminal.router, dependencies=[Depends(time_window.documented)])
    app.include_router(routes_staff.router)
    app.include_router(routes_versions.router)
    app.include_router(routes_family.router)
    openapi.install(app)
    app.add_middleware(BodyLimit)
    # Outermost: a request from a terminal whose clock is off is refused before anything.
    app.add_middleware(time_window.TimeWindow, window_s=settings.clock_window_s)
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory --no-date-header sync.server.app:app_from_environment``
    (the app dates its answers by the server's clock; ``kite-central serve`` also adds the
    connection deadlines and TLS settings, which plain uvicorn lacks)."""
    return create_app(CentralSettings())
