"""Exactly-once for staff and family actions: the key's record commits with the effect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.server.clock import utcnow
from sync.server.db import Database
from sync.server.errors import ApiError
from sync.server.models import Dedupe
from sync.server.push import payload_hash


def once(
    db: Database,
    owner: str,
    key: str,
    kind: str,
    request: BaseModel,
    apply: Callable[[Session], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``apply`` once per idempotency key; a retry gets the first answer back."""
    digest = payload_hash(kind, request.model_dump(mode="json"))
    for _attempt in range(3):
        try:
            return _once(db, owner, key, kind, digest, apply)
        except IntegrityError:
            continue  # the same key committed concurrently (PostgreSQL): read its answer
    raise ApiError(409, "conflict", "the request is being applied concurrently; retry")


def _once(
    db: Database,
    owner: str,
    key: str,
    kind: str,
    digest: str,
    apply: Callable[[Session], dict[str, Any]],
) -> dict[str, Any]:
    with db.write() as session:
        record = session.get(Dedupe, key)
        if record is not None:
            if record.owner != owner or record.payload_hash != digest:
                raise ApiError(
                    409, "idempotency_key_reused", "this key was used for something else"
                )
            assert record.result is not None
            return record.result
        result = apply(session)
        session.add(
            Dedupe(
                key=key,
                owner=owner,
                kind=kind,
                payload_hash=digest,
                outcome="accepted",
                params={},
                result=result,
                created_at=utcnow(),
            )
        )
        return result
