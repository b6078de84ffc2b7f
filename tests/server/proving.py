"""A test device that proves what it pushes for a resident, as a genuine terminal does.

Since protocol 1.4 the server refuses a resident-scoped push item without the
resident's proof. Tests of push semantics speak as a device that signed the
resident in: :class:`ProvingTransport` signs each such item of a ``POST /v1/push``
that has no ``proof`` yet, with a session it opened by a real ``POST /v1/sign-in``
(the resident's PIN, known to the test's world), through the same server. Tests
of the proofs themselves use a plain client (``World.terminal(i, prove=False)``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, PushRequest
from sync.protocol.proofs import RESIDENT_KINDS, proof_mac, proof_message
from sync.server.clock import utcnow
from sync.server.db import Database
from sync.server.proofs import open_session


@dataclass
class Sessions:
    """Sessions a test device opened, by (device ID, resident ID): (session ID, key)."""

    opened: dict[tuple[str, str], tuple[str, bytes] | None] = field(default_factory=dict)


class ProvingTransport(httpx.BaseTransport):
    """Adds a session proof to each resident's push item that lacks one, then sends."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        device_id: str,
        pins: Mapping[str, tuple[str, str]],  # resident ID -> (facility number, PIN)
        sessions: Sessions,
    ) -> None:
        self.inner = inner
        self.device_id = device_id
        self.pins = pins
        self.sessions = sessions

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/v1/push":
            request = self._proved(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()

    def prove(self, url: str, headers: Mapping[str, str], body: Any) -> Any:
        """``body`` of a push as this device would send it to ``url``, its items proved."""
        request = httpx.Request("POST", url, headers=dict(headers), json=body)
        return json.loads(self._proved(request).read())

    def _proved(self, request: httpx.Request) -> httpx.Request:
        try:
            body = json.loads(request.read())
            items = body["items"]
        except (ValueError, KeyError, TypeError):
            return request  # a malformed body is the test's point: send it as it is
        changed = False
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or "proof" in item:
                continue
            payload = item.get("payload")
            resident_id = payload.get("resident_id") if isinstance(payload, dict) else None
            if item.get("kind") not in RESIDENT_KINDS or resident_id not in self.pins:
                continue
            session = self._session(request, str(resident_id))
            if session is None:
                continue  # the server would not sign him in here: the item goes unproven
            session_id, key = session
            message = proof_message(self.device_id, item["idempotency_key"], item["kind"], payload)
            item["proof"] = {
                "method": "session",
                "session_id": session_id,
                "mac": proof_mac(key, message),
            }
            changed = True
        if not changed:
            return request
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        return httpx.Request(request.method, request.url, headers=headers, json=body)

    def _session(self, request: httpx.Request, resident_id: str) -> tuple[str, bytes] | None:
        if (self.device_id, resident_id) in self.sessions.opened:
            return self.sessions.opened[(self.device_id, resident_id)]
        number, pin = self.pins[resident_id]
        headers = httpx.Headers(request.headers)
        del headers["content-length"]
        # Sessions are 1.4: a test of an older terminal's reading still pushes what it needs.
        headers[PROTOCOL_HEADER] = PROTOCOL_VERSION
        sign_in = httpx.Request(
            "POST",
            request.url.copy_with(path="/v1/sign-in"),
            headers=headers,
            json={"facility_number": number, "pin": pin},
        )
        answer = self.inner.handle_request(sign_in)
        answer.read()
        opened = None
        if answer.status_code == 200:  # 401: a resident of a unit this device does not serve
            session = answer.json()["session"]
            opened = (session["session_id"], bytes.fromhex(session["key"]))
        self.sessions.opened[(self.device_id, resident_id)] = opened
        return opened


def proved_in_process(db: Database, device_id: str, items: list[dict[str, Any]]) -> PushRequest:
    """A push request of ``items`` for a server driven in this process (no HTTP): each
    resident's items proved with a session opened for him on ``device_id``."""
    keys: dict[str, tuple[str, bytes]] = {}
    for item in items:
        resident_id = item["payload"].get("resident_id")
        if item["kind"] not in RESIDENT_KINDS or "proof" in item:
            continue
        if resident_id not in keys:
            with db.write() as session:
                opened = open_session(session, device_id, resident_id, utcnow(), hours=1)
            keys[resident_id] = (opened.session_id, bytes.fromhex(opened.key))
        session_id, key = keys[resident_id]
        message = proof_message(device_id, item["idempotency_key"], item["kind"], item["payload"])
        item["proof"] = {
            "method": "session",
            "session_id": session_id,
            "mac": proof_mac(key, message),
        }
    return PushRequest.model_validate({"items": items})
