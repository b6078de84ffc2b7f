"""The long schemathesis run: every check, positive and negative data, every role's operations.

Too long for CI (thousands of requests per role); run it by hand after a change to the
wire models or the routes, from the repository root:

    python -m tests.server.fuzz_all [--max-examples N] [--report-dir DIR]

It starts a reference server on SQLite (as the test suite does), enrolls a device, and
runs ``schemathesis run`` (every check: ``tests/server/schemathesis.toml``) once per
role with that role's bearer credential, the protocol header and the terminal's clock;
it exits non-zero if any run found a failure (a 5xx, an undocumented status, an answer
that does not match its schema, ...). Last run by hand on 2026-12-04 with
``--max-examples 25``: terminal 1,918 cases, staff 1,422, family 420, every one passed.
Its bounded CI sibling is the conformance kit's schemathesis rows
(``tests/server/test_conformance.py``: every check, positive and negative, on SQLite
and PostgreSQL).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from sync.protocol import CLIENT_TIME_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION, format_client_time
from tests.server.live import LiveServer

CONFIG = Path(__file__).with_name("schemathesis.toml")
ROLES = {
    "terminal": r"^/v1/(?!staff/|family/)",
    "staff": r"^/v1/staff/",
    "family": r"^/v1/family/",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--report-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kite-fuzz-") as folder:
        server = LiveServer.start(Path(folder), "sqlite")
        try:
            _, device = server.enroll_device(["unit-a"])
            tokens = {"terminal": device, "staff": server.staff_token}
            tokens["family"] = server.family_token
            failed = 0
            for role, paths in ROLES.items():
                failed += _run(server, role, paths, tokens[role], args)
        finally:
            server.stop()
    return 1 if failed else 0


def _run(server: LiveServer, role: str, paths: str, token: str, args: argparse.Namespace) -> int:
    # The terminal's clock as the server sees it (within the test servers' window of days).
    now = format_client_time(server.now())
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{server.url}/openapi.json",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(args.max_examples),
        "--include-path-regex",
        paths,
        "--header",
        f"Authorization: Bearer {token}",
        "--generation-deterministic",
        "--suppress-health-check",
        "all",
        "--continue-on-failure",
    ]
    if role == "terminal":
        command += [
            "--header",
            f"{PROTOCOL_HEADER}: {PROTOCOL_VERSION}",
            "--header",
            f"{CLIENT_TIME_HEADER}: {now}",
        ]
    if args.report_dir is not None:
        command += ["--report", "junit", "--report-dir", str(args.report_dir / role)]
    print(f"== {role}: {' '.join(command[5:])}", flush=True)
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
