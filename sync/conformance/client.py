"""An independent Kite terminal: written from ``docs/protocol.md`` alone, on ``requests``.

It shares no code with the reference terminal or server: it speaks protocol 1.6 as
the page describes it (headers, enrollment by collection secret, rotation, sign-in
with its session and offline proof key, signed outbox items, pull, fate, reconcile)
and checks every answer against the page's shapes (:mod:`sync.conformance.shapes`).
Where the page left it guessing, :mod:`sync.conformance.guesses` records what it did.

An answer it cannot read as the page says (bad JSON, a key repeated, nesting deeper
than 32 levels, a shape the page does not describe) raises :class:`ShapeError`; a
documented error answer raises :class:`Refused` with its status, code and params.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from sync.conformance import proof
from sync.conformance.shapes import ShapeError, conform, conform_change

PROTOCOL_VERSION = "1.8"
PROTOCOL_HEADER = "Kite-Protocol"
CLIENT_TIME_HEADER = "Kite-Client-Time"
MAX_DEPTH = 32
RESIDENT_KINDS = frozenset(
    {
        "send_message",
        "purchase_stamps",
        "mark_read",
        "hide_message",
        "set_contact_blocked",
        "set_language",
    }
)


class Refused(Exception):
    """A documented error answer: ``{"error": {code, message, params}}`` with a 4xx status."""

    def __init__(self, status: int, code: str, params: dict[str, Any], what: str) -> None:
        super().__init__(f"{what}: {status} {code} {params}")
        self.status, self.code, self.params = status, code, params


def key() -> str:
    """A fresh idempotency key: 32 lower-case hex characters."""
    return uuid.uuid4().hex


def client_time(now: datetime | None = None) -> str:
    """``Kite-Client-Time``: RFC 3339, UTC, milliseconds."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for name, value in pairs:
        if name in seen:
            raise ShapeError(f"an object repeats the key {name!r}")
        seen[name] = value
    return seen


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def read_json(content: bytes, what: str) -> Any:
    """A body as the page lets a terminal take it: JSON, no repeated key, at most 32 deep."""
    try:
        value = json.loads(content, object_pairs_hook=_no_repeats)
    except ValueError as exc:
        raise ShapeError(f"{what}: not JSON ({exc}): {content[:200]!r}") from None
    if _depth(value) > MAX_DEPTH:
        raise ShapeError(f"{what}: nested deeper than {MAX_DEPTH}")
    return value


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class Wire:
    """HTTP to one server; ``terminal`` requests carry the protocol and clock headers."""

    def __init__(self, base_url: str, verify: bool | str = True, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.verify = verify
        self.timeout = timeout
        self.session = requests.Session()
        #: guesses this run had to use (keys of sync.conformance.guesses.GUESSES)
        self.guesses: set[str] = set()

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        params: dict[str, Any] | None = None,
        terminal: bool = True,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Answer:
        sent = {"Accept-Encoding": "gzip", "Accept": "application/json"}
        if terminal:
            sent[PROTOCOL_HEADER] = PROTOCOL_VERSION
            sent[CLIENT_TIME_HEADER] = client_time()
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        data = None if body is None else json.dumps(body).encode()
        response = self.session.request(
            method,
            self.base_url + path,
            params=params,
            data=data,
            headers=sent,
            timeout=timeout or self.timeout,
            verify=self.verify,
        )
        what = f"{method} {path}"
        parsed = read_json(response.content, what) if response.content else None
        return Answer(response.status_code, parsed, dict(response.headers))

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The body of a 200 answer; a documented error raises :class:`Refused`."""
        answer = self.request(method, path, **kwargs)
        what = f"{method} {path}"
        if answer.status == 200:
            return answer.body
        raise refusal(answer, what, self.guesses)


def refusal(answer: Answer, what: str, guesses: set[str]) -> Refused:
    """The :class:`Refused` an error answer is, or :class:`ShapeError` if it is not one."""
    if not 400 <= answer.status < 500:
        raise ShapeError(f"{what}: status {answer.status}: {answer.body!r:.300}")
    if not isinstance(answer.body, dict) or set(answer.body) != {"error"}:
        raise ShapeError(f"{what}: {answer.status} without an error body: {answer.body!r:.300}")
    error = conform("error", answer.body["error"], guesses, f"{what} error")
    params = error.get("params") or {}
    if not isinstance(params, dict):
        raise ShapeError(f"{what}: error params not an object")
    return Refused(answer.status, error["code"], params, what)


@dataclass
class SignedIn:
    """A resident signed in on this terminal: what the sign-in answered and his keys."""

    resident_id: str
    session_id: str
    session_key: bytes
    proof_salt: str
    offline_verifier: str
    answer: dict[str, Any]
    offline_key: bytes | None = None


@dataclass
class Terminal:
    """One device, as a terminal would be: its ID, its credential, its sequence, its residents."""

    wire: Wire
    device_id: str = field(default_factory=lambda: f"cf-{uuid.uuid4().hex[:16]}")
    code: str = field(default_factory=lambda: secrets.token_hex(6))
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    credential: str = ""
    seq: int = 0
    residents: dict[str, SignedIn] = field(default_factory=dict)

    # -- enrollment and credentials --------------------------------------------------------

    def enroll(self, facility_id: str, name: str = "conformance terminal") -> dict[str, Any]:
        body = {
            "device_id": self.device_id,
            "one_time_code": self.code,
            "collection_secret": self.secret,
            "facility_id": facility_id,
            "device_name": name,
        }
        return self._enroll_answer(self.wire.call("POST", "/v1/enroll", body=body))

    def collect(self) -> dict[str, Any]:
        body = {"device_id": self.device_id, "collection_secret": self.secret}
        answer = self._enroll_answer(self.wire.call("POST", "/v1/enroll/collect", body=body))
        if answer["state"] == "approved":
            credential = answer.get("credential")
            if not isinstance(credential, str) or not credential:
                raise ShapeError("collect: approved without a credential")
            self.credential = credential
        return answer

    def _enroll_answer(self, answer: Any) -> dict[str, Any]:
        conform("enroll", answer, self.wire.guesses)
        if answer["state"] not in ("pending", "approved", "revoked"):
            raise ShapeError(f"enroll state {answer['state']!r} is not in the documents")
        credential, units = answer["credential"], answer["housing_units"]
        if not isinstance(units, list):
            raise ShapeError(f"housing_units {units!r:.100} is not a list")
        if answer["state"] != "approved" and (credential is not None or units):
            raise ShapeError(f"a {answer['state']} answer: credential not null or units not empty")
        return dict(answer)

    def rotate(self) -> str:
        """``POST /v1/device/rotate``; the new credential replaces the old one at once."""
        answer = conform(
            "rotate", self.call("POST", "/v1/device/rotate", body={}), self.wire.guesses
        )
        self.credential = answer["credential"]
        return self.credential

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.wire.call(method, path, token=self.credential, **kwargs)

    def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        kwargs.setdefault("token", self.credential)
        return self.wire.request(method, path, **kwargs)

    # -- residents --------------------------------------------------------------------------

    def sign_in(self, facility_number: str, pin: str) -> SignedIn:
        body = {"facility_number": facility_number, "pin": pin}
        answer = conform("sign_in", self.call("POST", "/v1/sign-in", body=body), self.wire.guesses)
        conform("resident", answer["resident"], self.wire.guesses, "sign-in resident")
        for contact in answer["contacts"]:
            conform("contact", contact, self.wire.guesses, "sign-in contact")
        session = conform("session", answer["session"], self.wire.guesses, "sign-in session")
        signed = SignedIn(
            resident_id=answer["resident"]["resident_id"],
            session_id=session["session_id"],
            session_key=bytes.fromhex(session["key"]),
            proof_salt=answer["proof_salt"],
            offline_verifier=answer["offline_verifier"],
            answer=answer,
        )
        signed.offline_key = proof.offline_key(signed.proof_salt, pin)
        self.residents[signed.resident_id] = signed
        return signed

    # -- outbox -----------------------------------------------------------------------------

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def item(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        idempotency_key: str | None = None,
        prove: str | None = "session",
        seq: int | None = None,
    ) -> dict[str, Any]:
        """An outbox item, numbered next and proved for its resident (``prove``: session,
        offline, or None for no proof)."""
        if seq is None:
            seq = self.next_seq()
        entry: dict[str, Any] = {
            "idempotency_key": idempotency_key or key(),
            "seq": seq,
            "kind": kind,
            "payload": payload,
        }
        if kind in RESIDENT_KINDS and prove is not None:
            signed = self.residents[payload["resident_id"]]
            method_key = signed.session_key if prove == "session" else signed.offline_key
            assert method_key is not None
            mac = proof.mac(method_key, self.device_id, entry["idempotency_key"], kind, payload)
            entry["proof"] = {"method": prove, "mac": mac}
            if prove == "session":
                entry["proof"]["session_id"] = signed.session_id
        return entry

    def push(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``POST /v1/push``: one checked ``ItemResult`` per item, in order."""
        body = {"items": items}
        answer = conform("push", self.call("POST", "/v1/push", body=body), self.wire.guesses)
        results = answer["results"]
        if not isinstance(results, list) or len(results) != len(items):
            raise ShapeError(f"push: {len(items)} items, answered {results!r:.300}")
        for sent, result in zip(items, results, strict=True):
            check_item_result(result, self.wire.guesses)
            if result["idempotency_key"] != sent["idempotency_key"]:
                raise ShapeError("push: results not in the order of the items")
        return list(results)

    def fate(self, keys: list[str]) -> list[dict[str, Any]]:
        answer = self.call("POST", "/v1/push/fate", body={"idempotency_keys": keys})
        fates = conform("fate_answer", answer, self.wire.guesses)["fates"]
        if len(fates) != len(keys):
            raise ShapeError("fate: not one answer per key")
        for asked, one in zip(keys, fates, strict=True):
            conform("key_fate", one, self.wire.guesses)
            if one["idempotency_key"] != asked or one["fate"] not in ("stored", "unknown"):
                raise ShapeError(f"fate: {one!r:.300} for {asked}")
            if one["fate"] == "stored":
                check_item_result(one["answer"], self.wire.guesses)
                if one["answer"]["outcome"] != "duplicate":
                    raise ShapeError("fate: a stored answer whose outcome is not duplicate")
            elif one["answer"] is not None:
                raise ShapeError("fate: an unknown key with an answer")
        return list(fates)

    # -- feed -------------------------------------------------------------------------------

    def changes(self, cursor: str = "0", limit: int | None = None, wait: int = 0) -> dict[str, Any]:
        params: dict[str, Any] = {"cursor": cursor, "wait": wait}
        if limit is not None:
            params["limit"] = limit
        page = self.call("GET", "/v1/changes", params=params, timeout=wait + 30)
        conform("page", page, self.wire.guesses)
        for change in page["changes"]:
            conform_change(change, self.wire.guesses)
        if not isinstance(page["has_more"], bool) or not isinstance(page["next_cursor"], str):
            raise ShapeError(f"page: has_more/next_cursor of the wrong type: {page!r:.300}")
        if cursor_before(page["next_cursor"], cursor, self.wire.guesses):
            raise ShapeError(f"next_cursor {page['next_cursor']} is behind {cursor}")
        return dict(page)

    def pull_all(self, cursor: str = "0", limit: int = 500) -> tuple[list[dict[str, Any]], str]:
        """Every change after ``cursor``, page by page (at most 200 pages, as the page says)."""
        changes: list[dict[str, Any]] = []
        for _ in range(200):
            page = self.changes(cursor, limit)
            changes.extend(page["changes"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        return changes, cursor


def check_item_result(result: Any, guesses: set[str]) -> dict[str, Any]:
    conform("item_result", result, guesses)
    outcome = result["outcome"]
    if outcome not in ("accepted", "duplicate", "rejected"):
        raise ShapeError(f"outcome {outcome!r} is not in the documents")
    if outcome == "rejected" and not result.get("reason"):
        raise ShapeError("a rejected item without a reason")
    if outcome == "duplicate" and result.get("original_outcome") not in ("accepted", "rejected"):
        raise ShapeError("a duplicate without its original_outcome")
    if outcome != "duplicate" and result.get("original_outcome") is not None:
        raise ShapeError("original_outcome on an item that is not a duplicate")
    memo = result["memo"]  # free text for logs: any such string, acted on never
    if not isinstance(memo, str) or len(memo) > 200:
        raise ShapeError(f"memo {memo!r:.300} is not a string of at most 200 characters")
    return dict(result)


def cursor_before(a: str, b: str, guesses: set[str]) -> bool:
    """Whether cursor ``a`` is behind ``b`` (compared as numbers when both are digits)."""
    if a.isdigit() and b.isdigit():
        guesses.add("cursor-order")
        return int(a) < int(b)
    return False
