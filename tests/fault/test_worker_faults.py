"""The worker against a server that cannot be used: offline with backoff, or incompatible."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from kiosk.store.database import Store
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.credentials import CredentialStore
from sync.worker import SyncWorker

from .conftest import terminal_settings
from .integration_wait import wait_for
from .stub_server import Reply, StubServer


def worker_for(store: Store, tmp_path: Path, url: str, credentials: CredentialStore) -> SyncWorker:
    settings = terminal_settings(tmp_path, url)
    return SyncWorker(
        store,
        settings,
        client=SyncClient(settings, credentials.credential),
        credentials=credentials,
        backoff=Backoff(base_s=0.05, cap_s=0.2),
    )


def test_other_protocol_major_stops_sync_and_says_call_it(
    store: Store, tmp_path: Path, stub: StubServer, enrolled: CredentialStore
) -> None:
    body = {"error": {"code": "protocol_version", "message": "speaks 2", "params": {}}}
    stub.default = Reply(426, json.dumps(body).encode())
    worker = worker_for(store, tmp_path, stub.url, enrolled)
    worker.start()
    try:
        wait_for(lambda: worker.status().state == "incompatible")
        status = worker.status()
        assert status.call_it and status.last_error == "protocol_version"
        asked = len(stub.seen)
        wait_for(lambda: all(not t.is_alive() for t in worker._threads), timeout=10)
        assert len(stub.seen) == asked  # it stopped asking
    finally:
        worker.stop(5)


def test_unreachable_server_is_offline_since_first_failure_and_backs_off(
    store: Store, tmp_path: Path, enrolled: CredentialStore
) -> None:
    import socket
    import threading

    # A server that hangs up on every connection: each one is an attempt, counted here,
    # so the test waits for retries to happen instead of sleeping and hoping they did.
    attempts: list[int] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def hang_up() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            attempts.append(1)
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    port = listener.getsockname()[1]
    worker = worker_for(store, tmp_path, f"http://127.0.0.1:{port}", enrolled)
    worker.start()
    try:
        wait_for(lambda: worker.status().state == "offline")
        first = worker.status()
        assert first.offline_since is not None
        assert first.last_error == "server_unreachable"
        assert not first.online
        seen = len(attempts)
        wait_for(lambda: len(attempts) >= seen + 3)  # several retries at this backoff
        assert worker.status().offline_since == first.offline_since  # kept, not reset per retry
        assert not worker.status().online
    finally:
        worker.stop(5)
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()


def test_no_credential_means_not_enrolled_and_no_request(
    store: Store, tmp_path: Path, stub: StubServer
) -> None:
    worker = worker_for(store, tmp_path, stub.url, CredentialStore(service="nobody"))
    worker.start()
    try:
        assert worker.status().state == "not_enrolled"
        assert stub.seen == []
    finally:
        worker.stop(5)


def test_worker_starts_once_enrolled_after_saying_not_enrolled(
    store: Store, tmp_path: Path, stub: StubServer
) -> None:
    credentials = CredentialStore(service="late")
    worker = worker_for(store, tmp_path, stub.url, credentials)
    worker.start()
    assert worker.status().state == "not_enrolled"
    credentials.store_credential("issued-later-0123456789")
    page = {"changes": [], "next_cursor": "0", "has_more": False}
    stub.default = Reply(200, json.dumps(page).encode())
    worker.start()
    try:
        wait_for(lambda: worker.status().state == "online")
        assert stub.seen and stub.seen[0].headers["Authorization"].endswith("0123456789")
    finally:
        worker.stop(5)


def test_revoked_answer_wipes_residents_and_forgets_the_credential(
    store: Store, tmp_path: Path, stub: StubServer, enrolled: CredentialStore
) -> None:
    from sqlalchemy import func, select

    from kiosk import feed
    from kiosk.clock import utcnow
    from kiosk.store.models import Resident

    from . import wire

    with store.write() as session:
        feed.apply_change(session, "resident", wire.resident("r1"), utcnow())
    body = {"error": {"code": "device_revoked", "message": "revoked", "params": {}}}
    stub.default = Reply(401, json.dumps(body).encode())
    worker = worker_for(store, tmp_path, stub.url, enrolled)
    worker.start()
    try:
        wait_for(lambda: worker.status().state == "revoked")
        assert worker.status().call_it
        assert enrolled.credential() is None
        with store.read() as session:
            assert session.scalar(select(func.count()).select_from(Resident)) == 0
    finally:
        worker.stop(5)
