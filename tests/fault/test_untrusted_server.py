"""A server is never trusted blindly: whatever it answers, the terminal neither crashes, nor
stores what cannot be right, nor moves its cursor back, nor syncs for ever; and a server that
asks to slow down is "busy", never "offline"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kiosk import feed, ledger, outbox, stamps
from kiosk.auth import RemoteUnavailable
from kiosk.clock import server_time, utcnow
from kiosk.core import Core
from kiosk.errors import Refusal
from kiosk.store.database import Store
from kiosk.store.models import LedgerEntry, LedgerKind, OutboxItem, OutboxState
from sync import pull, push, reconcile
from sync.authenticator import OnlineAuthenticator
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.credentials import CREDENTIAL_KEY, SERVICE, CredentialStore
from sync.errors import InvalidResponse, Throttled
from sync.worker import SyncWorker
from tests import sealed

from . import wire
from .conftest import terminal_settings
from .integration_wait import wait_for
from .stub_server import Reply, Seen, StubServer

DEEP = b"[" * 100_000
BASE = wire.page(
    [("resident", wire.resident()), ("contact", wire.contact()), ("ledger_entry", wire.ledger())]
)


def confirmed(store: Store, rid: str = "r1") -> int:
    with store.read() as session:
        return stamps.confirmed(session, rid)


def ledger_rows(store: Store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(LedgerEntry)) or 0)


@pytest.fixture
def seeded(store: Store, stub: StubServer, stub_client: SyncClient) -> Store:
    """A resident with 5 stamps (one transfer), the cursor at 3."""
    stub.script(Reply(200, wire.encode(BASE)))
    pull.pull_page(store, stub_client)
    assert (confirmed(store), feed.current_cursor(store)) == (5, "3")
    return store


def serve_page(stub: StubServer, client: SyncClient, store: Store, body: bytes) -> None:
    stub.replies.clear()
    stub.script(Reply(200, body))
    pull.pull_page(store, client)


# -- parsing: depth, repeated keys ----------------------------------------------------------


def test_deeply_nested_answer_is_refused_as_invalid_not_a_crash(
    stub: StubServer, stub_client: SyncClient
) -> None:
    for body in (DEEP, b'{"a":' * 100_000, b"[" * 40 + b"]" * 40):
        stub.script(Reply(200, body))
        with pytest.raises(InvalidResponse, match="nested deeper"):
            stub_client.request_json("GET", "/v1/anything")


def test_deeply_nested_error_body_is_still_a_typed_error(
    stub: StubServer, stub_client: SyncClient
) -> None:
    stub.script(Reply(400, DEEP))
    with pytest.raises(Exception) as caught:
        stub_client.request_json("GET", "/v1/anything")
    assert not isinstance(caught.value, RecursionError)
    assert caught.type.__module__ == "sync.errors"


def test_page_with_a_repeated_key_is_refused_and_nothing_moves(
    seeded: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    stored = wire.page([("message", wire.message("m2")), ("message", wire.message("m3"))], start=4)
    # "Last wins" would store no message while the cursor moved past both.
    twice = json.dumps(stored["changes"])
    body = f'{{"changes": {twice}, "changes": [], "next_cursor": "5", "has_more": false}}'.encode()
    with pytest.raises(InvalidResponse, match="duplicate key 'changes'"):
        serve_page(stub, stub_client, seeded, body)
    assert feed.current_cursor(seeded) == "3"


def test_brackets_inside_strings_do_not_count_as_nesting(
    seeded: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    body = "[[[[{{{{" * 1000 + '\\"]]]'
    page = wire.page([("message", wire.message("m2", body=body))], start=4)
    serve_page(stub, stub_client, seeded, wire.encode(page))
    assert feed.current_cursor(seeded) == "4"


# -- the cursor and the round ---------------------------------------------------------------


def test_empty_page_behind_the_cursor_is_refused_and_the_cursor_stays(
    seeded: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    behind = {"changes": [], "next_cursor": "1", "has_more": False}
    with pytest.raises(InvalidResponse, match="move the cursor back"):
        serve_page(stub, stub_client, seeded, wire.encode(behind))
    assert feed.current_cursor(seeded) == "3"


def test_endless_has_more_ends_the_round_after_a_bounded_number_of_pages(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    def endless(seen: Seen) -> Reply:
        asked = int(seen.path.partition("cursor=")[2].partition("&")[0] or 0)
        return Reply(
            200,
            wire.encode({"changes": [], "next_cursor": str(asked + 1), "has_more": True}),
        )

    stub.default = endless
    report = pull.pull_until_caught_up(store, stub_client)
    assert not report.caught_up
    assert len(stub.seen) == pull.MAX_PAGES_PER_ROUND
    assert feed.current_cursor(store) == str(pull.MAX_PAGES_PER_ROUND)
    pull.pull_until_caught_up(store, stub_client)  # the next round goes on from there
    assert feed.current_cursor(store) == str(2 * pull.MAX_PAGES_PER_ROUND)


# -- ledger plausibility and correction -----------------------------------------------------


def test_page_with_an_implausible_ledger_entry_is_refused_whole(
    seeded: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    for kind, count in (("transfer_in", -1000), ("spend", 3), ("purchase", 5000)):
        entry = {**wire.ledger("e-bad", stamps=count), "kind": kind}
        page = wire.page([("message", wire.message("m2")), ("ledger_entry", entry)], start=4)
        with pytest.raises(InvalidResponse, match="ledger entry 'e-bad'"):
            serve_page(stub, stub_client, seeded, wire.encode(page))
    assert (confirmed(seeded), feed.current_cursor(seeded)) == (5, "3")


def test_push_answer_with_an_implausible_ledger_entry_settles_nothing(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    with store.write() as session:
        feed.apply_change(session, "resident", wire.resident("r1"), utcnow())
        buy = outbox.enqueue(
            session,
            "purchase_stamps",
            {
                "client_id": outbox.new_key(),
                "resident_id": "r1",
                "product_id": "book-10",
                "quantity": 10,
                "price_cents": 450,
            },
            utcnow(),
        )
        key = buy.idempotency_key
    entry = {**wire.ledger("e-1", stamps=-1000), "kind": "purchase", "cents": -450}
    result = {
        "ledger": [entry],
        "debit": {"resident_id": "r1", "cents": 550, "as_of": wire.T0},
    }
    answer = {"results": [{"idempotency_key": key, "outcome": "accepted", "result": result}]}
    stub.script(Reply(200, json.dumps(answer).encode()))
    with pytest.raises(InvalidResponse, match="implausible"):
        push.push_due(store, stub_client, backoff=Backoff(base_s=30.0, cap_s=60.0))
    assert ledger_rows(store) == 0
    with store.read() as session:
        assert session.get(OutboxItem, buy.id).state != OutboxState.DONE  # type: ignore[union-attr]


def snapshot_answer(server_stamps: int, ledger: list[dict[str, Any]]) -> bytes:
    snapshot = {
        "resident": wire.resident(),
        "contacts": [wire.contact()],
        "stamps": server_stamps,
        "debit_cents": 0,
        "ledger": ledger,
        "messages": [],
        "statuses": [],
        "cursor": "3",
        "as_of": "2026-11-23T09:00:00Z",
    }
    mismatch = {"resident_id": "r1", "field": "stamps", "terminal": -995, "server": server_stamps}
    return wire.encode({"mismatches": [mismatch], "snapshots": [snapshot]})


def test_reconcile_snapshot_with_an_implausible_entry_is_refused(
    seeded: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    bad = {**wire.ledger("e-bad", stamps=-1000)}
    stub.script(Reply(200, snapshot_answer(5, [wire.ledger(), bad])))
    with pytest.raises(InvalidResponse, match="reconcile answer cannot be applied"):
        reconcile.reconcile(seeded, stub_client)
    assert (confirmed(seeded), ledger_rows(seeded)) == (5, 1)


def test_reconcile_corrects_a_wrong_local_ledger_with_an_entry_shown_as_a_correction(
    seeded: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    # What an older terminal stored from a bad page: the ledger is append-only, so it stays.
    with seeded.write() as session:
        session.add(
            LedgerEntry(
                server_id="e-bad",
                resident_id="r1",
                kind=LedgerKind.TRANSFER_IN,
                stamps=-1000,
                cents=0,
                memo="",
                reference=None,
                booked_at=server_time(wire.T0),
            )
        )
    assert confirmed(seeded) == -995
    stub.script(Reply(200, snapshot_answer(5, [wire.ledger()])))
    report = reconcile.reconcile(seeded, stub_client)
    assert report.corrections == 1
    assert confirmed(seeded) == 5  # the server's figure
    with seeded.read() as session:
        receipts = ledger.receipts(session, "r1")
    corrections = [r for r in receipts if r.correction]
    assert [(r.stamps, str(r.kind)) for r in corrections] == [(1000, "adjustment")]
    # Once corrected, the same snapshot changes nothing more.
    stub.script(Reply(200, snapshot_answer(5, [wire.ledger()])))
    assert reconcile.reconcile(seeded, stub_client).corrections == 0
    assert ledger_rows(seeded) == 3


# -- the worker, kite-admin, sign-in -------------------------------------------------------


def worker_for(store: Store, tmp_path: Path, client: SyncClient) -> SyncWorker:
    return SyncWorker(
        store,
        terminal_settings(tmp_path, client.base_url),
        client=client,
        credentials=CredentialStore(),
        backoff=Backoff(base_s=0.05, cap_s=0.2),
        write_status=False,
    )


def test_sync_round_against_a_deeply_nested_answer_records_invalid_response(
    seeded: Store, tmp_path: Path, stub: StubServer, stub_client: SyncClient
) -> None:
    stub.default = Reply(200, DEEP)
    status = worker_for(seeded, tmp_path, stub_client).sync_once()
    assert status.state == "refusing_answers" and not status.online
    assert status.last_error == "invalid_response"


def test_throttled_worker_says_throttled_with_the_wait_not_offline(
    store: Store, tmp_path: Path, stub: StubServer, stub_client: SyncClient
) -> None:
    stub.default = Reply(
        429, b'{"error":{"code":"throttled","message":"slow down"}}', {"Retry-After": "120"}
    )
    worker = worker_for(store, tmp_path, stub_client)
    worker.start()
    try:
        wait_for(lambda: worker.status().state == "throttled")
        status = worker.status()
        assert status.last_error == "throttled" and status.offline_since is None
        assert status.next_attempt_at is not None
        assert (status.next_attempt_at - utcnow()).total_seconds() > 60
        asked = len(stub.seen)
    finally:
        worker.stop(5)
    assert asked <= 2  # one pull and at most one push, then it waits as asked


def kite_admin(tmp_path: Path, url: str, *args: str, credential: bool = True) -> Any:
    data = tmp_path / "admin-data"
    data.mkdir(exist_ok=True)
    config = tmp_path / "kite.toml"
    config.write_text(
        f'server_url = "{url}"\ndata_dir = "{data}"\nlong_poll_s = 0\n'
        "connect_timeout_s = 2\nread_timeout_s = 5\n",
        encoding="utf-8",
    )
    if credential:
        backend = sealed.keyring_of(data)  # the kiosk's sealed keyring
        backend.set_password(SERVICE, CREDENTIAL_KEY, "test-credential-0123456789")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KITE_") or k == "KITE_CREDENTIAL_FILE"
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env["KITE_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "sync.admin", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_kite_admin_sync_reports_a_deeply_nested_answer_and_never_says_online(
    tmp_path: Path, stub: StubServer
) -> None:
    stub.default = Reply(200, DEEP)
    result = kite_admin(tmp_path, stub.url, "sync")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    status = json.loads(result.stdout)
    assert status["state"] != "online" and status["last_error"] == "invalid_response"
    shown = kite_admin(tmp_path, stub.url, "status")
    assert "invalid_response" in shown.stdout


def test_kite_admin_sync_ends_against_a_server_with_endless_pages(
    tmp_path: Path, stub: StubServer
) -> None:
    def endless(seen: Seen) -> Reply:
        if not seen.path.startswith("/v1/changes"):
            return Reply(200, b'{"results": [], "mismatches": [], "snapshots": []}')
        asked = int(seen.path.partition("cursor=")[2].partition("&")[0] or 0)
        return Reply(
            200, wire.encode({"changes": [], "next_cursor": str(asked + 1), "has_more": True})
        )

    stub.default = endless
    result = kite_admin(tmp_path, stub.url, "sync")
    assert "Traceback" not in result.stderr
    pages = [s for s in stub.seen if s.path.startswith("/v1/changes")]
    assert len(pages) == pull.MAX_PAGES_PER_ROUND


def test_kite_admin_enroll_refuses_a_deeply_nested_answer_without_a_trace(
    tmp_path: Path, stub: StubServer
) -> None:
    stub.default = Reply(200, DEEP)
    result = kite_admin(tmp_path, stub.url, "enroll", "--timeout", "1", credential=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr
    assert "nested deeper" in result.stderr


@pytest.mark.parametrize("status", [200, 400, 500])
def test_sign_in_against_a_deeply_nested_answer_falls_back_instead_of_crashing(
    stub: StubServer, stub_client: SyncClient, status: int
) -> None:
    stub.script(Reply(status, DEEP))
    with pytest.raises(RemoteUnavailable):
        OnlineAuthenticator(stub_client).authenticate("A100", "2468")


def test_throttled_sign_in_tells_the_resident_to_wait_not_that_the_terminal_is_offline(
    store: Store, tmp_path: Path, stub: StubServer, stub_client: SyncClient
) -> None:
    stub.default = Reply(
        429, b'{"error":{"code":"throttled","message":"slow down"}}', {"Retry-After": "42"}
    )
    core = Core(
        store, terminal_settings(tmp_path, stub.url), utcnow, OnlineAuthenticator(stub_client)
    )
    with pytest.raises(Refusal) as refused:
        core.sign_in("A100", "2468")
    assert refused.value.code == "throttled"
    assert refused.value.params == {"seconds": 42}


def test_client_reports_429_as_throttled_with_the_wait(
    stub: StubServer, stub_client: SyncClient
) -> None:
    stub.script(Reply(429, b"", {"Retry-After": "7"}))
    with pytest.raises(Throttled) as throttled:
        stub_client.request_json("GET", "/v1/changes")
    assert throttled.value.retry_after == 7.0


def test_enrollment_waits_as_long_as_a_throttling_server_asks_then_collects(
    store: Store, stub: StubServer, stub_client: SyncClient
) -> None:
    from sync import enrollment

    stub.script(
        Reply(429, b"", {"Retry-After": "90"}),
        Reply(200, b'{"state": "pending"}'),
        Reply(200, b'{"state": "revoked"}'),
    )
    ticket = enrollment.EnrollmentTicket("dev-1", "ABCD-1234", "fac-1", "Unit A kiosk")
    waits: list[float] = []
    outcome = enrollment.wait_for_approval(
        ticket,
        store,
        stub_client,
        CredentialStore(service="kite-enroll-test"),
        interval_s=3.0,
        sleep=waits.append,
    )
    assert outcome == "revoked"
    assert waits == [90.0, 3.0]
