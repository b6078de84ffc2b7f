"""Property-based: cases generated from the OpenAPI document never make the server fail (5xx)
and never get a status their operation does not document.

Bounded (a few examples per operation, positive and negative data, no shrinking) so CI
stays fast; the generated cases carry valid credentials so they get past authentication
and exercise validation and the domain code. The long run with every check and the
stateful phase is ``python -m tests.server.fuzz_all`` (by hand; docs/development.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from sync.protocol import (
    CLIENT_TIME_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    format_client_time,
)
from tests.server.live import LiveServer

EXAMPLES_PER_OPERATION = 12


def _auth_for(path: str, server: LiveServer, device: str) -> str:
    if path.startswith("/v1/staff"):
        return server.staff_token
    if path.startswith("/v1/family"):
        return server.family_token
    return device


def test_generated_requests_never_get_a_server_error(central_server: LiveServer) -> None:
    _, device = central_server.enroll_device(["unit-a"])
    document = httpx.get(f"{central_server.url}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    with httpx.Client(base_url=central_server.url, timeout=30) as client:
        for operation in operations:
            _exercise(
                client, operation, _auth_for(operation.path, central_server, device), failures
            )
    assert failures == []


def _exercise(client: httpx.Client, operation: Any, token: str, failures: list[str]) -> None:
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # report, do not shrink: keeps the run bounded
    )
    @given(case=strategy, protocol=st.sampled_from([PROTOCOL_VERSION, None]))
    def check(case: Any, protocol: str | None) -> None:
        kwargs = case.as_transport_kwargs(base_url=str(client.base_url))
        headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items()}
        headers["Authorization"] = f"Bearer {token}"
        if protocol is not None:
            headers[PROTOCOL_HEADER] = protocol
            headers[CLIENT_TIME_HEADER] = format_client_time(datetime.now(UTC))
        params = dict(kwargs.get("params") or {})
        if isinstance(params.get("wait"), int):
            params["wait"] = 0  # a long-poll would only make the run slow
        answer = client.request(
            kwargs["method"],
            kwargs["url"],
            headers=headers,
            params=params,
            content=_body(kwargs),
        )
        documented = set(operation.definition.raw["responses"])
        if answer.status_code >= 500 or str(answer.status_code) not in documented:
            failures.append(f"{kwargs['method']} {kwargs['url']} -> {answer.status_code}")
        elif answer.status_code >= 400:
            assert "error" in answer.json(), answer.text

    check()


def _body(kwargs: dict[str, Any]) -> bytes | None:
    import json

    if "json" in kwargs:
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data") or kwargs.get("content")
    if isinstance(data, str):
        return data.encode()
    return data
