"""kite-central: seed a demo facility (with a pre-approved device), review, approve, openapi."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync.server import cli
from tests.server.live import TEST_ENV


def kite_central(*args: str) -> subprocess.CompletedProcess[str]:
    """``kite-central ARGS`` run in this process (the real parser and commands), its output kept.

    The entry point itself, ``python -m sync.server.cli``, is run as a process by
    :func:`test_openapi_prints_the_document_with_every_terminal_endpoint`.
    """
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env:
        for name, value in TEST_ENV.items():
            env.setenv(name, value)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exit_:  # argparse refusing the arguments
                code = int(exit_.code or 0)
    return subprocess.CompletedProcess(
        ["kite-central", *args], code, out.getvalue(), err.getvalue()
    )


def test_openapi_prints_the_document_with_every_terminal_endpoint() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sync.server.cli", "openapi"],
        capture_output=True,
        text=True,
        env={**os.environ, **TEST_ENV},
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    paths = json.loads(result.stdout)["paths"]
    for path in (
        "/v1/health",
        "/v1/enroll",
        "/v1/enroll/collect",
        "/v1/sign-in",
        "/v1/push",
        "/v1/changes",
        "/v1/reconcile",
    ):
        assert path in paths


DEMO_SECRET = "demo-collection-secret-0123456789abcdef"


def test_seed_demo_prints_the_world_and_lets_a_demo_terminal_enroll_unattended(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    seeded = kite_central(
        "seed-demo",
        "--database-url",
        url,
        "--device-id",
        "kiosk-demo-1",
        "--enroll-code",
        "DEMO-CODE-1",
        "--collection-secret",
        DEMO_SECRET,
        "--auto-approve",
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "PIN 1234" in seeded.stdout and "demo-staff-token" in seeded.stdout
    assert "kiosk-demo-1" in seeded.stdout and "approved" in seeded.stdout
    for state in (
        "inbound_pending_review",
        "outbound_awaiting_payment",
        "outbound_opened",
        "outbound_rejected",
    ):
        assert f"message {state}" in seeded.stdout
    again = kite_central("seed-demo", "--database-url", url)
    assert again.returncode == 0 and "already there" in again.stdout

    from sync.protocol import CollectRequest
    from sync.server.db import Database
    from sync.server.enrollment import EnrollLimits, collect

    db = Database(url)
    try:
        with db.write() as session:
            request = CollectRequest(device_id="kiosk-demo-1", collection_secret=DEMO_SECRET)
            answer = collect(session, request, 30, EnrollLimits())
    finally:
        db.dispose()
    assert answer.state == "approved" and answer.credential


def test_review_lists_approves_and_rejects_the_queue(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert kite_central("seed-demo", "--database-url", url).returncode == 0
    listing = kite_central("review", "--database-url", url)
    assert "1 waiting for review" in listing.stdout or "2 waiting for review" in listing.stdout
    first = listing.stdout.split()[0]
    rejected = kite_central(
        "review", "--database-url", url, "--reject", first, "--reason", "not allowed"
    )
    assert rejected.returncode == 0 and "rejected" in rejected.stdout
    again = kite_central("review", "--database-url", url, "--approve", first)
    assert again.returncode == 1 and "reviewed already" in again.stderr
    no_reason = kite_central("review", "--database-url", url, "--reject", first)
    assert no_reason.returncode == 2
    everything = kite_central("review", "--database-url", url, "--approve-all")
    assert everything.returncode == 0
    assert "0 waiting for review" in kite_central("review", "--database-url", url).stdout


def test_approve_device_approves_a_pending_enrollment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert (
        kite_central(
            "seed-demo", "--database-url", url, "--device-id", "tab-7", "--enroll-code", "CODE-7777"
        ).returncode
        == 0
    )
    unknown_unit = kite_central(
        "approve-device", "tab-7", "--units", "unit-z", "--code", "CODE-7777", "--database-url", url
    )
    assert unknown_unit.returncode == 1 and "unit-z" in unknown_unit.stderr
    wrong_code = kite_central(
        "approve-device", "tab-7", "--units", "unit-b", "--code", "CODE-0000", "--database-url", url
    )
    assert wrong_code.returncode == 1 and "not the code" in wrong_code.stderr
    approved = kite_central(
        "approve-device", "tab-7", "--units", "unit-b", "--code", "CODE-7777", "--database-url", url
    )
    assert approved.returncode == 0 and "approved tab-7 for unit-b" in approved.stdout


def test_seed_demo_always_open_has_no_hours_so_the_demo_works_at_any_hour(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert kite_central("seed-demo", "--database-url", url, "--always-open").returncode == 0
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            policy = conn.execute(text("SELECT policy FROM facilities")).scalar_one()
    finally:
        engine.dispose()
    document = json.loads(policy) if isinstance(policy, str) else policy
    assert document["hours"] == []
    assert document["stamp_products"], "the demo still sells stamps"


def test_add_facility_prints_a_staff_token_that_works_for_that_facility_only(
    tmp_path: Path,
) -> None:
    from sync.server.auth import token_hash
    from sync.server.db import Database
    from sync.server.models import ApiToken

    url = f"sqlite:///{tmp_path / 'central.db'}"
    made = kite_central("add-facility", "north", "--name", "North", "--database-url", url)
    assert made.returncode == 0, made.stderr
    token = made.stdout.split("staff token: ")[1].split()[0]
    again = kite_central("add-facility", "north", "--name", "North", "--database-url", url)
    assert again.returncode == 1
    assert "exists already" in again.stderr
    db = Database(url)
    try:
        with db.read() as session:
            row = session.get(ApiToken, token_hash(token))
            assert row is not None
            assert (row.role, row.facility_id) == ("staff", "north")
    finally:
        db.dispose()


def test_serve_refuses_missing_or_unpaired_tls_files_naming_them(tmp_path: Path) -> None:
    absent = tmp_path / "server.pem"
    refused = kite_central("serve", "--certfile", str(absent), "--keyfile", str(absent))
    assert refused.returncode == 2
    assert f"certfile: no such file '{absent}'" in refused.stderr
    absent.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    alone = kite_central("serve", "--certfile", str(absent))
    assert alone.returncode == 2
    assert "certfile and keyfile go together" in alone.stderr
