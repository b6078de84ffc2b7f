"""Schemathesis over the server's own ``/openapi.json``, every check, per role (optional part).

For each operation, cases generated from the document in positive and in negative
mode are sent with the role's credentials (paths under ``/v1/staff`` with the staff
token, ``/v1/family`` with the kit's family, the rest with a device of the kit's unit,
``Kite-Protocol`` and ``Kite-Client-Time``) and every response is checked with every
check schemathesis has enabled by default (all of them: no server error, status codes
and content types and headers the document declares, the response schema, negative
data rejected, positive data accepted, ...). ``wait`` of the long poll is held at 0.

It changes what the roles may change (the policy of the facility too): run the kit
against a test server, never a production one. Needs ``schemathesis`` (4.x), which
the ``conformance`` extra installs; without it the rows say so and fail.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from sync.conformance.client import (
    CLIENT_TIME_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    Wire,
    client_time,
)
from sync.conformance.scenarios import Outcome
from sync.conformance.staff import Options, Staff

ROLES = ("device", "staff", "family")

#: The page's rules that JSON Schema cannot say (docs/protocol.md, "Conventions" and
#: "Push semantics"), as schemathesis settings; every check stays on.
PAGE_RULES: dict[str, Any] = {
    "checks": {
        "enabled": True,
        # A request without Kite-Protocol is 426 protocol_version.
        "missing_required_header": {
            "expected-statuses": [400, 401, 403, 406, 415, 422, 426],
        },
        # Valid by the schema, refused by the page: an integer written 1.0 (422), items
        # not in ascending seq (400 batch_out_of_order), a family photo that is not an
        # image (422), a name or ID taken (409), what the domain refuses (404, 423, 429).
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", 400, 401, 403, 404, 409, 422, 423, 429],
        },
    },
    # A push item whose payload does not fit its kind is that item rejected
    # (invalid_payload) inside a 200, never the request.
    "operations": [
        {"include-name": "POST /v1/push", "checks": {"negative_data_rejection": {"enabled": False}}}
    ],
}


def role_of(path: str) -> str:
    if path.startswith("/v1/staff"):
        return "staff"
    if path.startswith("/v1/family"):
        return "family"
    return "device"


def negatable(document: dict[str, Any], path: str, method: str) -> bool:
    """Whether negative mode has anything to break: a body, a path or a query parameter
    (headers are strings schemathesis cannot make invalid, and the kit sets them itself)."""
    definition = document["paths"][path][method.lower()]
    places = {parameter.get("in") for parameter in definition.get("parameters", [])}
    return "requestBody" in definition or bool(places & {"path", "query"})


def fuzz(options: Options, wire: Wire) -> list[Outcome]:
    started = time.monotonic()
    try:
        import schemathesis
        from schemathesis.config import SchemathesisConfig
        from schemathesis.core.result import Ok
    except ImportError:
        detail = "schemathesis is not installed (pip install 'kite-terminal[conformance]')"
        return [Outcome(f"schemathesis-{r}", "", False, 0.0, detail) for r in ROLES]
    staff = Staff(wire, options)
    world = staff.build_world(residents=1)
    device = staff.enrolled([world.unit])
    tokens = {
        "device": device.credential,
        "staff": options.staff_token,
        "family": world.family_token,
    }
    document = wire.call("GET", "/openapi.json", terminal=False)
    # One schema per role, its credential given as the run's own (explicit) header: the
    # checks then know it is real, and probe the operation without it and with a wrong one.
    schemas = {}
    for role in ROLES:
        config = SchemathesisConfig.from_dict(PAGE_RULES)
        schemas[role] = schemathesis.openapi.from_dict(document, config=config)
        schemas[role].config.update(base_url=options.url, headers=_auth(tokens[role]))
    problems: dict[str, list[str]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    spent: dict[str, float] = defaultdict(float)
    for found in schemas["device"].get_all_operations():
        if not isinstance(found, Ok):
            problems["device"].append(f"an operation the document does not describe: {found.err()}")
            continue
        role = role_of(found.ok().path)
        operation = schemas[role][found.ok().path][found.ok().method.upper()]
        began = time.monotonic()
        modes = [schemathesis.GenerationMode.POSITIVE]
        if negatable(document, operation.path, operation.method):
            modes.append(schemathesis.GenerationMode.NEGATIVE)
        for mode in modes:
            counts[role] += _exercise(operation, mode, role, tokens[role], options, problems[role])
        spent[role] += time.monotonic() - began
    setup_s = time.monotonic() - started - sum(spent.values())
    outcomes = []
    for role in ROLES:
        found_problems = sorted(set(problems[role]))
        detail = f"{counts[role]} requests"
        if found_problems:
            detail += ": " + "; ".join(found_problems[:20])
        what = f"schemathesis, every check, positive and negative, as {role}"
        seconds = spent[role] + (setup_s if role == "device" else 0.0)
        outcomes.append(
            Outcome(
                f"schemathesis-{role}", what, not found_problems, seconds, detail, found_problems
            )
        )
    return outcomes


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _exercise(
    operation: Any, mode: Any, role: str, token: str, options: Options, problems: list[str]
) -> int:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.core.failures import FailureGroup

    def terminal_headers() -> dict[str, str]:
        if role != "device":
            return {}
        return {PROTOCOL_HEADER: PROTOCOL_VERSION, CLIENT_TIME_HEADER: client_time()}

    def headers() -> dict[str, str]:
        return {**_auth(token), **terminal_headers()}

    # The role's headers are given, not generated (generating header strings costs most of
    # the run's time, and these headers have their own scenarios); the credential is the
    # run's, not the case's (see fuzz).
    fixed: dict[str, Any] = {"headers": terminal_headers()}
    if operation.path == "/v1/changes":
        fixed["query"] = {"wait": 0}  # a long poll would only make the run slow
    sent = [0]

    @settings(
        max_examples=options.examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # report, do not shrink: a bounded run
    )
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def check(case: Any) -> None:
        if operation.path == "/v1/changes" and isinstance(case.query, dict):
            case.query["wait"] = 0
        sent[0] += 1
        try:
            case.call_and_validate(headers=headers(), verify=options.verify, timeout=30)
        except FailureGroup as group:
            for failure in group.exceptions:
                status = getattr(failure, "status_code", "")
                label = f"{operation.method.upper()} {operation.path}: {failure.title}"
                problems.append(f"{label} ({status})" if status else label)

    try:
        check()
    except Unsatisfiable:
        # Negative mode cannot always break a string path parameter: nothing to send then.
        if mode.value != "negative":
            problems.append(f"{operation.method.upper()} {operation.path}: no valid case")
    except Exception as problem:  # a generation error is the document's problem: reported
        name = type(problem).__name__
        problems.append(f"{operation.method.upper()} {operation.path}: {name}: {problem}"[:300])
    return sent[0]
