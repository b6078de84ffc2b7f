"""The protocol's scenarios: what each checks, the world they share, and the runner.

A scenario is a function of a :class:`Context` that returns normally when the server
behaved as ``docs/protocol.md`` says, and raises otherwise (:class:`Failed` for a
behaviour, :class:`~sync.conformance.shapes.ShapeError` for an answer the documents
do not describe, :class:`~sync.conformance.client.Refused` for an unexpected error
answer). Each runs on its own (a failure never stops the others) and the runner
times it for the table.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sync.conformance.client import Refused, SignedIn, Terminal, Wire
from sync.conformance.shapes import ShapeError
from sync.conformance.staff import Options, Resident, Staff, World


class Failed(AssertionError):
    """The server did not do what the documents say."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise Failed(message)


def refused(status: int, code: str, call: Callable[[], Any]) -> Refused:
    """Run ``call``; it must be refused with ``status`` and ``code``."""
    try:
        answer = call()
    except Refused as refusal:
        check(
            (refusal.status, refusal.code) == (status, code),
            f"expected {status} {code}, got {refusal.status} {refusal.code} {refusal.params}",
        )
        return refusal
    raise Failed(f"expected {status} {code}, got a 200: {answer!r:.300}")


@dataclass
class Context:
    """What every scenario shares: the server, the kit's world, an enrolled terminal."""

    options: Options
    wire: Wire
    staff: Staff
    world: World
    terminal: Terminal  # enrolled for world.unit
    policy: dict[str, Any]
    notes: dict[str, str] = field(default_factory=dict)

    def resident(self, index: int) -> Resident:
        return self.world.residents[index]

    def signed_in(self, index: int, terminal: Terminal | None = None) -> SignedIn:
        """Resident ``index`` signed in on ``terminal`` (the main one by default), once."""
        terminal = terminal or self.terminal
        resident = self.resident(index)
        if resident.resident_id not in terminal.residents:
            terminal.sign_in(resident.number, resident.pin)
        return terminal.residents[resident.resident_id]


Scenario = Callable[[Context], None]


@dataclass(frozen=True)
class Entry:
    name: str
    what: str
    run: Scenario


REGISTRY: list[Entry] = []


def scenario(name: str, what: str) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        REGISTRY.append(Entry(name, what, function))
        return function

    return register


@dataclass
class Outcome:
    name: str
    what: str
    passed: bool
    seconds: float
    detail: str = ""
    #: each distinct problem found (schemathesis rows: "METHOD /path: failure (status)")
    problems: list[str] = field(default_factory=list)


def setup(options: Options, wire: Wire) -> Context:
    """The world every scenario uses: built through the staff side, one enrolled terminal."""
    staff = Staff(wire, options)
    world = staff.build_world()
    terminal = staff.enrolled([world.unit])
    policy = terminal.call("GET", "/v1/policy")
    staff.deposit(world.residents[0], 5000)
    staff.give_stamps(world, world.residents[0], 20)
    return Context(options, wire, staff, world, terminal, policy)


def run_one(entry: Entry, context: Context) -> Outcome:
    started = time.monotonic()
    try:
        entry.run(context)
    except (Failed, ShapeError, Refused) as problem:
        return Outcome(entry.name, entry.what, False, time.monotonic() - started, str(problem))
    except Exception as problem:  # a scenario that breaks is a failure, reported, never a crash
        detail = "".join(traceback.format_exception_only(type(problem), problem)).strip()
        return Outcome(entry.name, entry.what, False, time.monotonic() - started, detail)
    return Outcome(entry.name, entry.what, True, time.monotonic() - started)


def selected(options: Options) -> list[Entry]:
    from sync.conformance import device_scenarios, feed_scenarios, push_scenarios  # noqa: F401

    if not options.scenarios:
        return list(REGISTRY)
    unknown = set(options.scenarios) - {entry.name for entry in REGISTRY}
    if unknown:
        raise ValueError(f"no such scenario: {', '.join(sorted(unknown))}")
    return [entry for entry in REGISTRY if entry.name in options.scenarios]


def run_scenarios(options: Options, wire: Wire) -> list[Outcome]:
    entries = selected(options)
    started = time.monotonic()
    try:
        context = setup(options, wire)
    except Exception as problem:
        detail = f"setup failed: {type(problem).__name__}: {problem}"
        spent = time.monotonic() - started
        return [Outcome(e.name, e.what, False, spent, detail) for e in entries]
    return [run_one(entry, context) for entry in entries]
