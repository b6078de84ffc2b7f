"""The conformance kit (``kite-central conformance``) against the reference server.

Every protocol scenario the independent client drives must pass on every backend, and
schemathesis (every check, positive and negative, a bounded number of examples: the
full run is ``kite-central conformance URL --examples 200``, docs/conformance.md), held
to the page's rules that JSON Schema cannot say (``sync.conformance.fuzz.PAGE_RULES``),
must find nothing: the kit passes whole. The kit must also be able to fail: against a
relay that spoils one kind of answer, the scenarios that meet it report FAIL.
"""

from __future__ import annotations

import json

import httpx
import pytest

from sync.conformance.run import run
from sync.conformance.scenarios import REGISTRY, selected
from sync.conformance.staff import Options
from sync.server.cli import main
from tests.fault.stub_server import Reply, Seen, StubServer
from tests.server.live import LiveServer

CI_EXAMPLES = 3


def test_every_scenario_passes_against_the_reference_server(private_server: LiveServer) -> None:
    result = run(
        Options(
            url=private_server.url, staff_token=private_server.staff_token, examples=CI_EXAMPLES
        )
    )
    table = result.table()
    scenarios = [o for o in result.outcomes if not o.name.startswith("schemathesis-")]
    fuzzed = [o for o in result.outcomes if o.name.startswith("schemathesis-")]
    assert [o.name for o in scenarios] == [entry.name for entry in selected(Options("", ""))]
    assert all(o.passed for o in scenarios), table
    assert [o.name for o in fuzzed] == [
        "schemathesis-device",
        "schemathesis-staff",
        "schemathesis-family",
    ], table
    assert [p for o in fuzzed for p in o.problems] == [], table
    assert result.passed, table  # the command exits 0
    assert sum(int(o.detail.split()[0]) for o in fuzzed) > 50, table  # every operation sent


def _relay(target: str, spoil_push: bool) -> object:
    """A relay to the real server that spoils push answers (an undocumented field) or
    answers reconcile with a server error."""

    def answer(seen: Seen) -> Reply:
        if seen.path.startswith("/v1/reconcile"):
            return Reply(500, b'{"error":{"code":"internal_error","message":"broken","params":{}}}')
        headers = {
            k: v for k, v in seen.headers.items() if k.lower() not in {"host", "content-length"}
        }
        real = httpx.request(seen.method, target + seen.path, headers=headers, content=seen.body)
        body = real.content
        if spoil_push and seen.path == "/v1/push" and real.status_code == 200:
            document = real.json()
            for result in document["results"]:
                result["surprise"] = True
            body = json.dumps(document).encode()
        return Reply(real.status_code, body, {"Content-Type": "application/json"})

    return answer


def test_the_kit_fails_a_server_that_breaks_the_protocol(central_server: LiveServer) -> None:
    stub = StubServer()
    stub.default = _relay(central_server.url, spoil_push=True)  # type: ignore[assignment]
    names = ("health", "pull", "push-kinds", "reconcile")
    with stub.running():
        result = run(
            Options(
                url=stub.url, staff_token=central_server.staff_token, examples=0, scenarios=names
            )
        )
    verdicts = {o.name: o for o in result.outcomes}
    assert set(verdicts) == set(names), result.table()
    assert verdicts["health"].passed and verdicts["pull"].passed, result.table()
    assert not verdicts["push-kinds"].passed
    assert "'surprise' is not in the documents" in verdicts["push-kinds"].detail
    assert not verdicts["reconcile"].passed
    assert "status 500" in verdicts["reconcile"].detail
    assert not result.passed
    assert "FAIL" in result.table()


def test_the_command_exits_by_the_table(
    central_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["conformance", "--staff-token", central_server.staff_token, "--scenario", "health"]
    assert main([*base, central_server.url, "--scenario", "proof-vector"]) == 0
    assert "2/2 passed" in capsys.readouterr().out
    stub = StubServer()
    stub.default = _relay(central_server.url, spoil_push=False)  # type: ignore[assignment]
    with stub.running():
        assert main([*base, stub.url, "--scenario", "reconcile"]) == 1
    out = capsys.readouterr().out
    assert "reconcile" in out and "FAIL" in out and "1/2 passed" in out
    assert main(["conformance", central_server.url, "--staff-token", ""]) == 2


def test_scenario_names_are_unique() -> None:
    selected(Options("", ""))
    names = [entry.name for entry in REGISTRY]
    assert len(names) == len(set(names))
