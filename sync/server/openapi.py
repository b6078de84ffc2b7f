"""The OpenAPI document (``/openapi.json``, ``kite-central openapi``): the routes' own, made exact.

FastAPI derives paths, bodies and answers from the wire models; this module adds
what it cannot know, so that a client written from the document alone gets it
right (issue 21):

- each operation's real error statuses (:data:`EXTRA` plus what its
  dependencies and parameters can refuse), every one with the ``ErrorBody`` shape;
- ``Kite-Protocol`` required on every terminal operation but ``/v1/health``, with
  its pattern, and ``Kite-Client-Time`` with the RFC 3339 pattern;
- the components as pydantic writes them, the same as ``docs/schemas`` (FastAPI's
  own document turns ``2**62`` into a float and drops every ``"default": null``).

The bearer schemes of the three roles (``device``, ``staff``, ``family``) come
from the authentication dependencies (``sync.server.auth``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from sync.protocol import (
    CLIENT_TIME_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_MAJOR,
    ErrorBody,
    WireModel,
)
from sync.protocol.common import _RFC3339

#: What a ``Kite-Protocol`` value this server takes looks like (another major is 426).
PROTOCOL_PATTERN = rf"^{PROTOCOL_MAJOR}(\.[0-9]{{1,4}})?$"

#: Refusals an operation's own rules make, beyond authentication, headers and validation.
EXTRA: dict[str, tuple[int, ...]] = {
    "POST /v1/enroll": (404, 409, 429),
    "POST /v1/enroll/collect": (401, 409),
    "POST /v1/sign-in": (401, 423, 429),
    "POST /v1/push": (409,),
    "GET /v1/changes": (409,),
    "GET /v1/media/{media_id}": (404,),
    "POST /v1/staff/devices/{device_id}/approve": (409,),
    "POST /v1/staff/residents/{resident_id}/deposit": (409,),
    "POST /v1/staff/devices/{device_id}/revoke": (409,),
    "POST /v1/staff/devices/{device_id}/wipe": (409,),
    "POST /v1/staff/review/{message_id}": (409,),
    "POST /v1/staff/residents/{resident_id}/housing-unit": (409,),
    "POST /v1/staff/contacts/{contact_id}/state": (409,),
    "POST /v1/staff/housing-units": (409,),
    "POST /v1/staff/residents": (404, 409),
    "POST /v1/staff/families": (409,),
    "POST /v1/staff/contacts": (404, 409),
    "POST /v1/family/messages": (404, 409, 422),
    "POST /v1/family/messages/{message_id}/open": (404, 409),
    "POST /v1/family/transfers": (404, 409),
}

#: Operations of the terminal that do not ask for ``Kite-Protocol`` (a load balancer's
#: probe, and the one answer that tells a terminal which major the server speaks).
NO_PROTOCOL_HEADER = {"GET /v1/health"}

_DESCRIPTIONS = {
    400: "malformed_json, or batch_out_of_order",
    401: "unauthenticated, credential_expired, credential_rotated, invalid_credentials",
    403: "forbidden, device_revoked, device_suspended, not_your_resident, code_mismatch, "
    "clock_skew",
    404: "not_found",
    405: "method_not_allowed",
    409: "a conflict with the server's state (the error code says which)",
    413: "body_too_large",
    422: "invalid_request (params.errors: [{loc, type, msg}])",
    423: "account_locked",
    426: "protocol_version",
    429: "throttled (Retry-After)",
}


def statuses(key: str, operation: dict[str, Any]) -> set[int]:
    """Every error status ``operation`` (``"METHOD /path"``) can answer."""
    found = set(EXTRA.get(key, ()))
    if operation.get("security"):
        found |= {401, 403}
    names = {p["name"] for p in operation.get("parameters", [])}
    if PROTOCOL_HEADER in names:
        found.add(426)
    if CLIENT_TIME_HEADER in names:
        found.add(403)  # clock_skew, for a terminal that announces 1.5 or later
    if "requestBody" in operation:
        found |= {400, 413, 422}
    if any(p["in"] in ("query", "path") for p in operation.get("parameters", [])):
        found.add(422)
    if key.startswith("POST /v1/staff/") and "{" in key:
        found.add(404)
    if key == "POST /v1/push":
        found.add(400)
    return found


def _integral(value: Any) -> Any:
    """Bounds back to integers where FastAPI's document made floats of them."""
    if isinstance(value, dict):
        return {
            k: int(v)
            if k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
            and isinstance(v, float)
            and v.is_integer()
            else _integral(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _header(parameter: dict[str, Any]) -> None:
    if parameter["name"] == PROTOCOL_HEADER:
        parameter["required"] = True
        parameter["schema"] = {"type": "string", "pattern": PROTOCOL_PATTERN}
        parameter["description"] = (
            f"The terminal's protocol version, MAJOR.MINOR; another major is 426 "
            f"protocol_version (this server speaks {PROTOCOL_MAJOR}.x)"
        )
    elif parameter["name"] == CLIENT_TIME_HEADER:
        description = parameter["schema"].get("description", "")
        parameter["schema"] = {
            "type": "string",
            "maxLength": 40,
            "pattern": _RFC3339.pattern,
            "description": description,
        }


def build(app: FastAPI) -> dict[str, Any]:
    """The document of ``app``."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        separate_input_output_schemas=False,
    )
    document = dict(_integral(document))
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            key = f"{method.upper()} {path}"
            parameters = operation.get("parameters", [])
            if key in NO_PROTOCOL_HEADER:
                parameters[:] = [p for p in parameters if p["name"] != PROTOCOL_HEADER]
            for parameter in parameters:
                _header(parameter)
            answers = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
            for status in sorted(statuses(key, operation)):
                answers[str(status)] = {"description": _DESCRIPTIONS[status], "content": error}
            operation["responses"] = answers
    schemas = document["components"]["schemas"]
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    # The models' own schemas, as pydantic writes them (the same as docs/schemas): FastAPI's
    # pass through its own OpenAPI models drops every "default": null and makes bounds floats.
    models = [m for m in _wire_models(WireModel) if m.__name__ in schemas or m is ErrorBody]
    _, definitions = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
    )
    schemas.update(definitions["$defs"])
    return document


def _wire_models(base: type[WireModel]) -> list[type[WireModel]]:
    found: list[type[WireModel]] = []
    for model in base.__subclasses__():
        found += [model, *_wire_models(model)]
    return found


def install(app: FastAPI) -> None:
    """Serve :func:`build`'s document (built once, on first ask)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        document: dict[str, Any] = app.openapi_schema
        return document

    app.openapi = openapi  # type: ignore[method-assign]
