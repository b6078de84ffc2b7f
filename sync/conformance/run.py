"""Run the kit: the scenarios, then schemathesis, then the table. ``kite-central conformance``.

:func:`add_arguments` and :func:`command` are the command line (``sync/server/cli.py``
mounts them); :func:`run` is the same for a program or a test.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from sync.conformance.client import Wire
from sync.conformance.report import all_passed, table
from sync.conformance.scenarios import Outcome, run_scenarios
from sync.conformance.staff import Options

STAFF_TOKEN_ENV = "KITE_CONFORMANCE_STAFF_TOKEN"
FAMILY_ENV = "KITE_CONFORMANCE_FAMILY"


@dataclass
class Result:
    outcomes: list[Outcome]
    guesses: set[str]

    @property
    def passed(self) -> bool:
        return all_passed(self.outcomes)

    def table(self) -> str:
        return table(self.outcomes, self.guesses)


def run(options: Options) -> Result:
    """Every selected scenario, then (``options.examples`` > 0) schemathesis per role."""
    wire = Wire(options.url, verify=options.verify)
    try:
        outcomes = run_scenarios(options, wire)
        if options.examples > 0 and not options.scenarios:
            from sync.conformance.fuzz import fuzz

            outcomes.extend(fuzz(options, wire))
        return Result(outcomes, set(wire.guesses))
    finally:
        wire.close()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the server's base URL, e.g. https://central.example.org")
    parser.add_argument(
        "--staff-token",
        default=os.environ.get(STAFF_TOKEN_ENV),
        help=f"a staff token of the facility (or {STAFF_TOKEN_ENV})",
    )
    parser.add_argument("--facility", default="demo", help="the facility ID (default: demo)")
    parser.add_argument(
        "--family",
        default=os.environ.get(FAMILY_ENV),
        metavar="FAMILY_ID:TOKEN",
        help=f"a family of the facility and its token (or {FAMILY_ENV}); default: the kit "
        "creates one through the staff API",
    )
    parser.add_argument(
        "--approve-command",
        help="approve a device out of band: a shell command with {device_id}, {code} and "
        "{units}, e.g. 'kite-central approve-device {device_id} --code {code} --units {units}' "
        "(default: the staff API)",
    )
    parser.add_argument(
        "--ca-bundle", help="trust this CA bundle for HTTPS (default: the system's)"
    )
    parser.add_argument(
        "--examples",
        type=int,
        default=25,
        help="schemathesis examples per operation and mode (default 25; 0 skips it)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        help="run only this scenario (repeatable; skips schemathesis)",
    )


def command(args: argparse.Namespace) -> int:
    if not args.staff_token:
        print(
            f"conformance: a staff token is needed (--staff-token or {STAFF_TOKEN_ENV})",
            file=sys.stderr,
        )
        return 2
    family = None
    if args.family:
        family_id, _, token = args.family.partition(":")
        family = (family_id, token)
    options = Options(
        url=args.url,
        staff_token=args.staff_token,
        facility_id=args.facility,
        family=family,
        approve_command=args.approve_command,
        verify=args.ca_bundle or True,
        examples=args.examples,
        scenarios=tuple(args.scenario),
    )
    try:
        result = run(options)
    except ValueError as problem:
        print(f"conformance: {problem}", file=sys.stderr)
        return 2
    print(result.table())
    return 0 if result.passed else 1
