"""Push: apply a terminal's outbox items in order, each exactly once.

A batch runs in one write transaction that also inserts each item's permanent
:class:`Dedupe` record (all at the end, with one ``executemany``, as are the
batch's feed changes), so the effects and the records commit together: an
answer lost after commit is replayed from the record, never re-applied. A
domain refusal leaves nothing of that item behind but is recorded too, so the
same key always gets the same answer: the kinds that check everything before
writing (sends, purchases, audit events: the bulk of any batch) need no
savepoint, and a check verifies that a refused one wrote nothing; the rest run
in a savepoint per item. One transaction per batch means one commit (one
fsync), one feed-head lock and one long-poll wake-up per batch, not per item,
and each table's new rows go in with one executemany at the end.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sync.protocol import (
    PAYLOAD_MODELS,
    PROTOCOL_MINOR,
    REASON_SINCE_MINOR,
    RESIDENT_KINDS,
    FateRequest,
    FateResponse,
    ItemResult,
    KeyFate,
    OutboxItem,
    PushRequest,
    PushResponse,
    nul_at,
)
from sync.server import audit, device_refusals, feed
from sync.server.audit import record_audit
from sync.server.auth import DeviceIdentity
from sync.server.clock import utcnow
from sync.server.db import ADDED, Database
from sync.server.errors import ApiError, Rejection
from sync.server.ledger import lock_residents
from sync.server.messages import (
    hide_message,
    mark_read,
    prefetch_client_ids,
    send_message,
    set_contact_blocked,
    set_language,
)
from sync.server.models import Dedupe, Device
from sync.server.proofs import BatchProofs
from sync.server.purchases import purchase_stamps

log = logging.getLogger(__name__)

Handler = Callable[[Session, DeviceIdentity, Any], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {
    "send_message": send_message,
    "purchase_stamps": purchase_stamps,
    "mark_read": mark_read,
    "hide_message": hide_message,
    "set_contact_blocked": set_contact_blocked,
    "set_language": set_language,
    "audit": record_audit,
}


# Kinds whose handler locks the resident's balance row (lock them all once per batch).
_CHARGING = frozenset({"send_message", "purchase_stamps"})


# Kinds whose handler refuses, if at all, before it writes anything (every check, the
# balance check of ``ledger.book`` included, comes first; an audit event is refused
# only for a chain seq already taken, before it is kept): no savepoint is needed to
# undo a refusal. :func:`_run` verifies it.
_REFUSED_BEFORE_WRITING = frozenset({"audit", "send_message", "purchase_stamps"})


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


def push(
    db: Database, device: DeviceIdentity, request: PushRequest, minor: int = PROTOCOL_MINOR
) -> PushResponse:
    """Apply a batch and answer every item on its own.

    A batch that cannot be applied as a whole (a conflict that outlives its retries,
    or a bug on one item) is applied again one item per transaction, in order, so
    every item before the failing one keeps its effect; the request then fails at
    that item (its answer is the error), and a retry gets the others' stored answers.
    """
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
    try:
        results = _apply_retrying(db, device, items)
    except ApiError as refused:
        if refused.code == "sequence_regressed":
            _note_refused_request(db, device, refused.code)
        raise
    except Exception:
        if len(items) == 1:
            raise
        log.exception("push batch of %d failed whole; applying it item by item", len(items))
        results = []
        for item in items:
            results.extend(_apply_retrying(db, device, [item]))
    return PushResponse(results=[for_minor(result, minor) for result in results])


def _note_refused_request(db: Database, device: DeviceIdentity, code: str) -> None:
    """Count a whole request refused for the device's own state (its own transaction)."""
    for _attempt in range(3):
        try:
            with db.write() as session:
                device_refusals.note(session, device.device_id, [code], utcnow())
            return
        except IntegrityError:
            continue  # the first count of it, made at once by a concurrent request


def _apply_retrying(
    db: Database, device: DeviceIdentity, items: list[OutboxItem]
) -> list[ItemResult]:
    for _attempt in range(3):
        try:
            return _apply_batch(db, device, items)
        except IntegrityError:
            # A key committed by a concurrent request (PostgreSQL): nothing of this
            # batch was stored; the next attempt reads that request's answers.
            continue
    raise ApiError(409, "conflict", "the items are being applied concurrently; retry")


def for_minor(result: ItemResult, minor: int) -> ItemResult:
    """``result`` as a terminal of protocol minor ``minor`` can read it.

    A reject reason newer than its minor becomes ``invalid_payload`` (the item is
    still refused for good), the real reason named in ``params.errors``.
    """
    reason = result.reason
    if reason is None or REASON_SINCE_MINOR.get(reason, 0) <= minor:
        return result
    error = {"loc": ["payload"], "type": reason, "msg": f"refused: {reason}"}
    return result.model_copy(
        update={"reason": "invalid_payload", "params": {**result.params, "errors": [error]}}
    )


def fate(db: Database, device: DeviceIdentity, request: FateRequest, minor: int) -> FateResponse:
    """What became of each key: its stored answer, or ``unknown``.

    Scoped to the asking device: another device's key (or a family's or staff's) is
    ``unknown``, exactly like a key never seen, so a device learns nothing of others.
    """
    owner = f"device:{device.device_id}"
    keys = request.idempotency_keys
    with db.read() as session:
        records = {
            record.key: record
            for record in session.execute(
                select(Dedupe).where(Dedupe.key.in_(set(keys)), Dedupe.owner == owner)
            ).scalars()
        }
    fates: list[KeyFate] = []
    for key in keys:
        record = records.get(key)
        if record is None:
            fates.append(KeyFate(idempotency_key=key, fate="unknown"))
            continue
        answer = stored_answer(record, key, record.payload_hash, owner)
        fates.append(KeyFate(idempotency_key=key, fate="stored", answer=for_minor(answer, minor)))
    return FateResponse(fates=fates)


def _apply_batch(db: Database, device: DeviceIdentity, items: list[OutboxItem]) -> list[ItemResult]:
    """Every item of the batch in one transaction (one commit, one feed-head lock).

    Each item's effects run in their own savepoint, so a refused item rolls back
    alone while its :class:`Dedupe` record, and every other item, commits.
    """
    owner = f"device:{device.device_id}"
    with db.write() as session:
        # Locks first, in the order every writer takes them (residents, then the feed
        # head): a concurrent push of the same device waits here, then sees all it committed.
        lock_residents(
            session,
            (
                i.payload["resident_id"]
                for i in items
                if i.kind in _CHARGING and isinstance(i.payload.get("resident_id"), str)
            ),
        )
        feed.hold_head(session)
        audit.batch_records(session)
        prefetch_client_ids(
            session,
            (
                i.payload["client_id"]
                for i in items
                if i.kind == "send_message" and isinstance(i.payload.get("client_id"), str)
            ),
        )
        records = {
            record.key: record
            for record in session.execute(
                select(Dedupe).where(Dedupe.key.in_([i.idempotency_key for i in items]))
            ).scalars()
        }
        proofs = BatchProofs.load(
            session,
            device.device_id,
            (i for i in items if i.idempotency_key not in records),
            utcnow(),
        )
        last_seq = session.execute(
            select(Device.last_seq).where(Device.id == device.device_id)
        ).scalar_one()
        first_new = next((i for i in items if i.idempotency_key not in records), None)
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
        results: list[ItemResult] = []
        new_records: list[dict[str, Any]] = []
        top_seq = last_seq
        for item in items:
            key = item.idempotency_key
            digest = payload_hash(item.kind, item.payload)
            record = records.get(key)
            if record is not None:
                results.append(stored_answer(record, key, digest, owner))
                continue
            outcome, reason, params, result = _run(session, device, item, proofs)
            row = {
                "key": key,
                "owner": owner,
                "kind": item.kind,
                "payload_hash": digest,
                "outcome": outcome,
                "reason": reason,
                "params": params,
                "result": result,
                "created_at": utcnow(),
            }
            new_records.append(row)
            # The same key twice in one batch: the second is a duplicate of the first.
            records[key] = Dedupe(**row)
            top_seq = max(top_seq, item.seq)
            results.append(
                ItemResult(
                    idempotency_key=key,
                    outcome=outcome,  # type: ignore[arg-type]
                    reason=reason,  # type: ignore[arg-type]
                    params=params,
                    result=result,
                )
            )
        device_refusals.note(
            session,
            device.device_id,
            (r.reason for r in results if r.outcome == "rejected"),
            utcnow(),
        )
        if top_seq > last_seq:
            session.execute(
                update(Device)
                .where(Device.id == device.device_id, Device.last_seq < top_seq)
                .values(last_seq=top_seq)
            )
        feed.store_head(session)
        audit.store_batched(session)
        session.flush()
        if new_records:
            # One executemany at the end, not one INSERT in each item's flush: the records
            # still commit with the effects (a concurrent insert of a key fails the batch).
            session.execute(insert(Dedupe), new_records)
    return results


def _run(
    session: Session, device: DeviceIdentity, item: OutboxItem, proofs: BatchProofs
) -> tuple[str, str | None, dict[str, Any], dict[str, Any] | None]:
    nul = nul_at(item.payload, ("payload",))
    if nul is not None:
        error = {"loc": list(nul), "type": "nul_character", "msg": "text must not contain NUL"}
        return "rejected", "invalid_payload", {"errors": [error]}, None
    try:
        payload = PAYLOAD_MODELS[item.kind].model_validate(item.payload)
    except ValidationError as exc:
        errors = [
            {"loc": [str(p) for p in e["loc"]], "type": e["type"], "msg": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
        return "rejected", "invalid_payload", {"errors": errors[:20]}, None
    handler = HANDLERS[item.kind]
    mark = feed.pending_mark(session)
    try:
        if item.kind in RESIDENT_KINDS:
            proofs.check(item, payload.resident_id)  # type: ignore[attr-defined]
        if item.kind in _REFUSED_BEFORE_WRITING:
            result = _without_savepoint(session, device, item.kind, payload, mark)
        else:
            with session.begin_nested():
                result = handler(session, device, payload)
    except Rejection as refusal:
        feed.discard_since(session, mark)  # the changes it published rolled back with it
        return "rejected", refusal.reason, _jsonable(refusal.params), None
    return "accepted", None, {}, result


def _without_savepoint(
    session: Session, device: DeviceIdentity, kind: str, payload: Any, mark: int
) -> dict[str, Any] | None:
    """Run a handler that refuses before writing, and make sure a refusal wrote nothing.

    No savepoint (two statements an item, and a flush of every pending row): the
    item's rows accumulate and go in one executemany per table at the end.
    """
    added = session.info.get(ADDED, 0)
    dirty = set(session.dirty)
    try:
        return HANDLERS[kind](session, device, payload)
    except Rejection:
        wrote = (
            session.info.get(ADDED, 0) != added
            or feed.pending_mark(session) != mark
            or not set(session.dirty) <= dirty
        )
        if wrote:
            raise RuntimeError(
                f"{kind} handler wrote before refusing; nothing of the batch is kept"
            ) from None
        raise


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(params, default=str))
    return plain
