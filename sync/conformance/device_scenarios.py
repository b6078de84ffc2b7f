"""Scenarios of a terminal's own standing: headers, its clock, enrollment, rotation, sign-in."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from argon2 import PasswordHasher

from sync.conformance import audit_chain, proof
from sync.conformance.client import (
    CLIENT_TIME_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    Terminal,
    client_time,
    refusal,
)
from sync.conformance.scenarios import Context, check, refused, scenario
from sync.conformance.shapes import conform


@scenario("proof-vector", "the client reproduces the page's proof and audit-chain test vectors")
def proof_vector(context: Context) -> None:
    problems = proof.vector_problems() + audit_chain.vector_problems()
    check(not problems, "; ".join(problems))


@scenario(
    "health",
    "GET /v1/health answers its documented shape and a Date, without Kite-Protocol too; "
    "a terminal's clock far off is clock_skew there as anywhere",
)
def health(context: Context) -> None:
    answer = context.wire.request("GET", "/v1/health")
    check(answer.status == 200, f"health: {answer.status}")
    conform("health", answer.body, context.wire.guesses)
    check(answer.body["status"] == "ok", f"status {answer.body['status']!r}")
    check(answer.body["protocol_major"] == 1, f"protocol_major {answer.body['protocol_major']}")
    check("Date" in answer.headers or "date" in answer.headers, "no Date header")
    bare = context.wire.request("GET", "/v1/health", terminal=False)
    check(bare.status == 200, f"health without Kite-Protocol: {bare.status} {bare.body!r:.200}")
    conform("health", bare.body, context.wire.guesses, "health without Kite-Protocol")
    skewed = {
        PROTOCOL_HEADER: PROTOCOL_VERSION,
        CLIENT_TIME_HEADER: client_time(datetime.now(UTC) - timedelta(days=30)),
    }
    answer = context.wire.request("GET", "/v1/health", terminal=False, headers=skewed)
    problem = refusal(answer, "health with a wrong clock", context.wire.guesses)
    check((problem.status, problem.code) == (403, "clock_skew"), f"health: {problem}")


@scenario("protocol-header", "a missing or foreign Kite-Protocol is 426 protocol_version")
def protocol_header(context: Context) -> None:
    token = context.terminal.credential
    for value in (None, "2.0", "one"):
        headers = {CLIENT_TIME_HEADER: client_time()}
        if value is not None:
            headers[PROTOCOL_HEADER] = value
        answer = context.wire.request(
            "GET", "/v1/policy", token=token, terminal=False, headers=headers
        )
        problem = refusal(answer, f"policy with Kite-Protocol {value!r}", context.wire.guesses)
        check(
            (problem.status, problem.code) == (426, "protocol_version"),
            f"Kite-Protocol {value!r}: {problem.status} {problem.code}",
        )
        check({"server_major", "client"} <= problem.params.keys(), f"params {problem.params}")
    conform("policy", context.terminal.call("GET", "/v1/policy"), context.wire.guesses)


@scenario("clock-window", "a terminal clock far off, or none, is 403 clock_skew with its params")
def clock_window(context: Context) -> None:
    behind = datetime.now(UTC) - timedelta(days=30)
    for sent, skewed in ((client_time(behind), True), (None, False)):
        headers = {PROTOCOL_HEADER: PROTOCOL_VERSION}
        if sent is not None:
            headers[CLIENT_TIME_HEADER] = sent
        answer = context.wire.request(
            "GET", "/v1/policy", token=context.terminal.credential, terminal=False, headers=headers
        )
        problem = refusal(answer, "policy with a wrong clock", context.wire.guesses)
        check((problem.status, problem.code) == (403, "clock_skew"), f"{problem}")
        params = problem.params
        wanted = {"server_time", "client_time", "skew_s", "window_s"}
        check(wanted <= params.keys(), f"clock_skew params {params}")
        if skewed:
            check(params["skew_s"] > 0, f"skew_s {params['skew_s']} for a clock behind")
            check(params["client_time"] is not None, "client_time null for a readable time")
        else:
            check(params["client_time"] is None and params["skew_s"] is None, f"{params}")


@scenario(
    "enroll",
    "enroll, collect pending, staff approve by code (a wrong code refused), collect once",
)
def enroll(context: Context) -> None:
    terminal = Terminal(context.wire)
    check(terminal.enroll(context.options.facility_id)["state"] == "pending", "enroll: not pending")
    check(terminal.collect()["state"] == "pending", "collect before approval: not pending")
    if not context.options.approve_command:
        refused(
            403,
            "code_mismatch",
            lambda: context.staff.approve(terminal, [context.world.unit], code="000000wrong"),
        )
    context.staff.approve(terminal, [context.world.unit])
    answer = terminal.collect()
    check(answer["state"] == "approved", f"collect after approval: {answer}")
    check(answer["housing_units"] == [context.world.unit], f"units {answer['housing_units']}")
    refused(409, "already_collected", terminal.collect)
    stranger = Terminal(context.wire, device_id=terminal.device_id)
    refused(409, "enrollment_conflict", lambda: stranger.enroll(context.options.facility_id))
    refused(404, "not_found", lambda: Terminal(context.wire).enroll(f"{context.world.run}-none"))
    refused(401, "invalid_credentials", stranger.collect)
    context.terminal.call("GET", "/v1/policy")


@scenario(
    "rotation",
    "rotate: old credential works until the new one's first use, then credential_rotated; "
    "a superseded one suspends the device",
)
def rotation(context: Context) -> None:
    terminal = context.staff.enrolled([context.world.unit])
    old = terminal.credential
    new = terminal.rotate()
    check(new != old, "rotation answered the same credential")
    context.wire.call("GET", "/v1/policy", token=old)  # still active: the new one is unused
    context.wire.call("GET", "/v1/policy", token=new)  # first use: old is rotated out
    refused(401, "credential_rotated", lambda: context.wire.call("GET", "/v1/policy", token=old))
    refused(  # the body is `{}` or none; anything else is 422
        422,
        "invalid_request",
        lambda: context.wire.call("POST", "/v1/device/rotate", token=new, body={"x": 1}),
    )
    # Two rotations by the same credential: the first's answer is superseded, never used.
    superseded = context.wire.call("POST", "/v1/device/rotate", token=new, body={})["credential"]
    unbodied = context.wire.call("POST", "/v1/device/rotate", token=new)  # no body at all
    check(conform("rotate", unbodied, context.wire.guesses)["credential"], "no credential")
    problem = refused(
        403, "device_suspended", lambda: context.wire.call("GET", "/v1/policy", token=superseded)
    )
    check(problem.params.get("reason") == "rotated_credential_reused", f"{problem.params}")
    refused(403, "device_suspended", lambda: context.wire.call("GET", "/v1/policy", token=new))


@scenario(
    "health-report",
    "(1.8) a device's health report is taken (next_report_s); a malformed one is 422",
)
def health_report(context: Context) -> None:
    terminal = context.staff.enrolled([context.world.unit])
    report = {
        "sync_state": "online",
        "queue_waiting": 2,
        "queue_failed": 0,
        "last_sync_at": None,
        "disk_free_bytes": 2**30,
        "errors_since_start": 1,
        "started_at": "2026-01-01T00:00:00Z",
    }
    ack = conform(
        "health_ack", terminal.call("POST", "/v1/device/health", body=report), context.wire.guesses
    )
    check(60 <= ack["next_report_s"] <= 86_400, f"next_report_s {ack['next_report_s']}")
    bad_reports: list[dict[str, Any]] = [
        report | {"queue_waiting": -1},
        report | {"sync_state": "Online!"},
        report | {"extra": 1},
    ]
    for bad in bad_reports:
        refused(
            422,
            "invalid_request",
            functools.partial(terminal.call, "POST", "/v1/device/health", body=bad),
        )
    refused(
        401, "unauthenticated", lambda: context.wire.call("POST", "/v1/device/health", body=report)
    )


@scenario(
    "sign-in",
    "sign-in: wrong PIN, unknown and foreign IDs all 401 invalid_credentials; the right PIN "
    "opens a session and the verifier checks the PIN",
)
def sign_in(context: Context) -> None:
    terminal = context.terminal
    outsider = context.world.outsider
    assert outsider is not None
    spare = context.resident(2)
    for number, pin in (
        (f"{context.world.run}x", "1234"),
        (outsider.number, outsider.pin),
        (spare.number, "99999"),
    ):
        problem = refused(401, "invalid_credentials", partial(terminal.sign_in, number, pin))
        check("attempts_left" in problem.params, f"params {problem.params}")
    signed = context.signed_in(0)
    resident = context.resident(0)
    check(signed.resident_id == resident.resident_id, "signed in someone else")
    check(PasswordHasher().verify(signed.offline_verifier, resident.pin), "verifier")
    lifetime = signed.answer["session"]["lifetime_s"]
    check(isinstance(lifetime, int) and lifetime > 0, f"lifetime_s {lifetime}")
    ids = {c["contact_id"] for c in signed.answer["contacts"]}
    check(resident.contact_id in ids, f"contact {resident.contact_id} not in {ids}")
