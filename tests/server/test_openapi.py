"""The served OpenAPI document is the wire models' own, and says what a client needs.

Fetched from the real server over HTTP, as an outside team would read it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from sync.protocol import PROTOCOL_HEADER
from sync.protocol.schemas import DEFAULT_DIR
from tests.server.live import LiveServer


def _document(server: LiveServer) -> tuple[dict[str, Any], str]:
    answer = httpx.get(f"{server.url}/openapi.json")
    assert answer.status_code == 200
    return answer.json(), answer.text


def _as_component(schema: Any) -> Any:
    """A docs/schemas schema with its refs pointing where the OpenAPI document keeps them."""
    text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/')
    return json.loads(text)


def test_every_committed_message_schema_is_the_served_component(
    central_server: LiveServer,
) -> None:
    components = _document(central_server)[0]["components"]["schemas"]
    compared = 0
    for path in sorted(DEFAULT_DIR.glob("*.json")):
        if path.name == "index.json":
            continue
        schema = json.loads(path.read_text(encoding="utf-8"))
        definitions = schema.pop("$defs", {})
        del schema["$schema"], schema["$id"]
        for name, definition in [(path.stem, schema), *definitions.items()]:
            if name in components:  # the parts no operation names stand alone in docs/schemas
                assert components[name] == _as_component(definition), name
                compared += 1
    assert compared > 60
    assert {"PushRequest", "OutboxItem", "SendMessageItem", "AuditItem"} <= set(components)


def test_push_items_are_one_schema_per_kind_and_seq_is_an_integer(
    central_server: LiveServer,
) -> None:
    document, text = _document(central_server)
    components = document["components"]["schemas"]
    item = components["OutboxItem"]
    assert item["discriminator"]["propertyName"] == "kind"
    assert set(item["discriminator"]["mapping"]) == {
        "send_message",
        "purchase_stamps",
        "mark_read",
        "hide_message",
        "set_contact_blocked",
        "set_language",
        "audit",
    }
    send = components["SendMessageItem"]["properties"]
    assert send["payload"] == {"$ref": "#/components/schemas/SendMessagePayload"}
    assert send["seq"]["maximum"] == 2**62
    assert '"maximum":4611686018427387904' in text.replace(" ", "")
    assert "e+18" not in text
    result = components["ItemResult"]["properties"]["result"]["anyOf"]
    assert {"$ref": "#/components/schemas/SendMessageResult"} in result
    assert components["ItemResult"]["properties"]["memo"]["maxLength"] == 200


def test_each_role_has_its_bearer_scheme_on_each_of_its_operations(
    central_server: LiveServer,
) -> None:
    document = _document(central_server)[0]
    schemes = document["components"]["securitySchemes"]
    assert {name: (s["type"], s["scheme"]) for name, s in schemes.items()} == {
        "device": ("http", "bearer"),
        "staff": ("http", "bearer"),
        "family": ("http", "bearer"),
    }
    unauthenticated = {"GET /v1/health", "POST /v1/enroll", "POST /v1/enroll/collect"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            key = f"{method.upper()} {path}"
            role = (
                "staff"
                if path.startswith("/v1/staff/")
                else "family"
                if path.startswith("/v1/family/")
                else "device"
            )
            expected = None if key in unauthenticated else [{role: []}]
            assert operation.get("security") == expected, key
            names = {p["name"].lower() for p in operation.get("parameters", [])}
            assert "authorization" not in names, key


def test_kite_protocol_is_required_with_its_pattern_except_on_health(
    central_server: LiveServer,
) -> None:
    paths = _document(central_server)[0]["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            header = [p for p in operation.get("parameters", []) if p["name"] == PROTOCOL_HEADER]
            if path == "/v1/health" or not path.startswith(("/v1/staff", "/v1/family")):
                if path == "/v1/health":
                    assert header == []
                    continue
                [parameter] = header
                assert parameter["required"] is True, (method, path)
                assert parameter["schema"] == {"type": "string", "pattern": r"^1(\.[0-9]{1,4})?$"}
                assert "426" in operation["responses"]


def test_each_operation_lists_its_own_statuses_every_error_with_the_error_shape(
    central_server: LiveServer,
) -> None:
    paths = _document(central_server)[0]["paths"]
    responses = {
        f"{m.upper()} {p}": set(o["responses"]) for p, ops in paths.items() for m, o in ops.items()
    }
    assert responses["GET /v1/health"] == {"200", "403"}
    assert responses["POST /v1/sign-in"] >= {"423", "429"}
    assert "423" not in responses["POST /v1/push"]
    assert "429" not in responses["GET /v1/changes"]
    assert "409" in responses["GET /v1/changes"]  # cursor_ahead
    assert "426" not in responses["GET /v1/staff/residents"]
    assert "413" not in responses["GET /v1/policy"]
    for path, operations in paths.items():
        for operation in operations.values():
            for status, answer in operation["responses"].items():
                if not status.startswith("2"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)
