"""A hostile server answer cannot put a message body, a PIN or a verifier into the logs.

DESIGN: "Logs never contain message bodies or PINs." pydantic's error text
quotes the offending value, so a refused answer must be described by where and
what kind of problem only. The server here is a real HTTP server on 127.0.0.1
(the fault suites' scripted stub) and the terminal's real client and engine.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kiosk.auth import RemoteUnavailable
from kiosk.store.database import Store
from sync.authenticator import OnlineAuthenticator
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.credentials import CredentialStore
from sync.worker import SyncWorker
from tests.fault import wire
from tests.fault.conftest import enrolled, stub, terminal_settings
from tests.fault.stub_server import Reply, Seen, StubServer

__all__ = ["enrolled", "stub"]

MARKER = "SECRET-MARKER-7f3a9c"


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Everything the log records carry: formatted messages, raw args, exception text."""
    parts: list[str] = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            parts.append(str(exc))
            parts.append(str(exc.__cause__))
            parts.append(str(exc.__context__))
    return "\n".join(parts)


def test_hostile_sign_in_answer_keeps_the_verifier_out_of_logs_and_errors(
    tmp_path: Path,
    stub: StubServer,
    enrolled: CredentialStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = {
        "resident": wire.resident(),
        "contacts": [],
        "offline_verifier": f"{MARKER}-not-an-argon2id-verifier",
    }
    stub.script(Reply(200, json.dumps(answer).encode()))
    client = SyncClient(terminal_settings(tmp_path, stub.url), enrolled.credential)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RemoteUnavailable) as caught:
        OnlineAuthenticator(client).authenticate("A100", "2468")
    client.close()
    assert MARKER not in logged_text(caplog)
    assert MARKER not in str(caught.value)
    assert MARKER not in str(caught.value.__cause__)
    assert "sign-in answer failed validation" in caplog.text
    assert "offline_verifier" in str(caught.value)  # still says where the answer was wrong


@pytest.mark.parametrize("hostile_part", ["body", "kind"])
def test_refused_feed_page_keeps_its_text_out_of_logs_and_status(
    hostile_part: str,
    tmp_path: Path,
    store: Store,
    stub: StubServer,
    enrolled: CredentialStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = f"{MARKER} dear Ana, the visit is on Tuesday"
    doc = wire.page([("resident", wire.resident()), ("message", wire.message())])
    if hostile_part == "body":
        doc["changes"][1]["data"]["body"] = [text]  # not a string: refused
    else:
        doc["changes"][1]["kind"] = text  # pydantic's message and context quote an unknown tag
    hostile = wire.encode(doc)

    def route(seen: Seen) -> Reply:
        if seen.path.startswith("/v1/changes"):
            return Reply(200, hostile)
        return Reply(200, b'{"results": [], "mismatches": []}')

    stub.script(*([route] * 20))
    settings = terminal_settings(tmp_path, stub.url)
    worker = SyncWorker(
        store,
        settings,
        client=SyncClient(settings, enrolled.credential),
        credentials=enrolled,
        backoff=Backoff(base_s=0.05, cap_s=0.2),
        write_status=False,
    )
    caplog.set_level(logging.DEBUG)
    try:
        status = worker.sync_once()
    finally:
        worker.client.close()
    assert status.last_error == "invalid_response", status
    detail = status.last_error_detail or ""
    assert MARKER not in detail
    assert MARKER not in logged_text(caplog)
    assert "change page failed validation: changes.1" in detail  # where, not what
