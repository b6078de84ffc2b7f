"""Small request and response helpers for talking to a reference server in tests.

Bodies as a terminal, the staff or a family send them (:func:`enroll_body`,
:func:`item`, :func:`purchase`, :func:`message`), fresh keys and secrets, and the
reading of answers (:func:`ok`, :func:`pull_all`). Nothing here starts a server:
that is :mod:`tests.server.live`, which also re-exports these names.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import httpx


def collection_secret() -> str:
    """A fresh enrollment collection secret, as a terminal mints it."""
    return secrets.token_urlsafe(32)


def enroll_body(
    device_id: str, code: str, secret: str, facility_id: str = "demo"
) -> dict[str, str]:
    """The body of ``POST /v1/enroll``."""
    return {
        "device_id": device_id,
        "one_time_code": code,
        "collection_secret": secret,
        "facility_id": facility_id,
        "device_name": "test terminal",
    }


def key() -> str:
    """A fresh idempotency key (32 hex digits)."""
    return uuid.uuid4().hex


def ok(response: httpx.Response) -> Any:
    """The JSON of a 2xx answer; otherwise fail showing the error body."""
    assert response.is_success, (
        f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
    )
    return response.json()


def item(
    kind: str, seq: int, payload: dict[str, Any], idempotency_key: str | None = None
) -> dict[str, Any]:
    """One outbox item as a terminal sends it."""
    return {
        "idempotency_key": idempotency_key or key(),
        "seq": seq,
        "kind": kind,
        "payload": payload,
    }


def purchase(
    resident_id: str, product: str = "stamp-1", quantity: int = 1, price: int = 50
) -> dict[str, Any]:
    return {
        "client_id": key(),
        "resident_id": resident_id,
        "product_id": product,
        "quantity": quantity,
        "price_cents": price,
    }


def message(
    resident_id: str,
    contact_id: str,
    payment: str = "stamps",
    body: str = "Hello",
    stamps: int | None = None,
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    return {
        "client_id": key(),
        "resident_id": resident_id,
        "contact_id": contact_id,
        "body": body,
        "in_reply_to": in_reply_to,
        "payment": payment,
        "stamps": (1 if payment == "stamps" else 0) if stamps is None else stamps,
        "written_at": "2026-11-23T08:00:00Z",
    }


def pull_all(
    client: httpx.Client, cursor: str = "0", limit: int = 500
) -> tuple[list[dict[str, Any]], str]:
    """Every change after ``cursor``, page by page; returns (changes, last cursor)."""
    changes: list[dict[str, Any]] = []
    while True:
        page = ok(client.get("/v1/changes", params={"cursor": cursor, "limit": limit}))
        changes.extend(page["changes"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return changes, cursor
