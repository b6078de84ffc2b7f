"""Push: apply a terminal's outbox items in order, each exactly once.

Each item runs in its own write transaction that also inserts its permanent
:class:`Dedupe` record, so the effects and the record commit together: an
answer lost after commit is replayed from the record, never re-applied. A
domain refusal rolls back the item's effects (a savepoint) but is recorded too,
so the same key always gets the same answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.protocol import PAYLOAD_MODELS, ItemResult, OutboxItem, PushRequest, PushResponse
from sync.server.audit import record_audit
from sync.server.auth import DeviceIdentity
from sync.server.clock import utcnow
from sync.server.db import Database
from sync.server.errors import ApiError, Rejection
from sync.server.messages import hide_message, mark_read, send_message, set_contact_blocked
from sync.server.models import Dedupe, Device
from sync.server.purchases import purchase_stamps

Handler = Callable[[Session, DeviceIdentity, Any], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {
    "send_message": send_message,
    "purchase_stamps": purchase_stamps,
    "mark_read": mark_read,
    "hide_message": hide_message,
    "set_contact_blocked": set_contact_blocked,
    "audit": record_audit,
}


def payload_hash(kind: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps([kind, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_answer(record: Dedupe, key: str, digest: str, owner: str) -> ItemResult:
    """The answer for a key already seen: the original, or a refusal if it is not the same item."""
    if record.owner != owner or record.payload_hash != digest:
        return ItemResult(idempotency_key=key, outcome="rejected", reason="idempotency_key_reused")
    return ItemResult(
        idempotency_key=key,
        outcome="duplicate",
        original_outcome=record.outcome,  # type: ignore[arg-type]
        reason=record.reason,  # type: ignore[arg-type]
        params=record.params,
        result=record.result,
    )


def push(db: Database, device: DeviceIdentity, request: PushRequest) -> PushResponse:
    items = request.items
    for earlier, later in pairwise(items):
        if later.seq <= earlier.seq:
            raise ApiError(
                400,
                "batch_out_of_order",
                "items must be in ascending seq order",
                seq=later.seq,
                after=earlier.seq,
            )
    with db.read() as session:
        known = set(
            session.execute(
                select(Dedupe.key).where(Dedupe.key.in_([i.idempotency_key for i in items]))
            ).scalars()
        )
        last_seq = session.execute(
            select(Device.last_seq).where(Device.id == device.device_id)
        ).scalar_one()
    first_new = next((i for i in items if i.idempotency_key not in known), None)
    if first_new is not None and first_new.seq <= last_seq:
        # New work numbered below work already done: the terminal sent batches out of
        # order (or its outbox was restored from an old copy). Refuse before storing anything.
        raise ApiError(
            409,
            "sequence_regressed",
            "a new item's seq is not above the last one this device pushed",
            seq=first_new.seq,
            last_seq=last_seq,
        )
    return PushResponse(results=[_apply(db, device, item) for item in items])


def _apply(db: Database, device: DeviceIdentity, item: OutboxItem) -> ItemResult:
    owner = f"device:{device.device_id}"
    digest = payload_hash(item.kind, item.payload)
    key = item.idempotency_key
    for _attempt in range(3):
        try:
            with db.write() as session:
                record = session.get(Dedupe, key)
                if record is not None:
                    return stored_answer(record, key, digest, owner)
                outcome, reason, params, result = _run(session, device, item)
                session.add(
                    Dedupe(
                        key=key,
                        owner=owner,
                        kind=item.kind,
                        payload_hash=digest,
                        outcome=outcome,
                        reason=reason,
                        params=params,
                        result=result,
                        created_at=utcnow(),
                    )
                )
                session.execute(
                    update(Device)
                    .where(Device.id == device.device_id, Device.last_seq < item.seq)
                    .values(last_seq=item.seq)
                )
                session.flush()
            return ItemResult(
                idempotency_key=key,
                outcome=outcome,  # type: ignore[arg-type]
                reason=reason,  # type: ignore[arg-type]
                params=params,
                result=result,
            )
        except IntegrityError:
            # The same key committed by a concurrent request (PostgreSQL): read its answer.
            continue
    raise ApiError(409, "conflict", "the item is being applied concurrently; retry", key=key)


def _run(
    session: Session, device: DeviceIdentity, item: OutboxItem
) -> tuple[str, str | None, dict[str, Any], dict[str, Any] | None]:
    try:
        payload = PAYLOAD_MODELS[item.kind].model_validate(item.payload)
    except ValidationError as exc:
        errors = [
            {"loc": [str(p) for p in e["loc"]], "type": e["type"], "msg": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
        return "rejected", "invalid_payload", {"errors": errors[:20]}, None
    try:
        with session.begin_nested():
            result = HANDLERS[item.kind](session, device, payload)
    except Rejection as refusal:
        return "rejected", refusal.reason, _jsonable(refusal.params), None
    return "accepted", None, {}, result


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(params, default=str))
    return plain
