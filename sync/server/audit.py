"""Audit events from terminals: stored with a flag saying whether their hash chain holds."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sync.protocol import AuditPayload
from sync.server.auth import DeviceIdentity
from sync.server.errors import Rejection
from sync.server.models import AuditRecord


def chain_hash(payload: AuditPayload) -> str:
    """``sha256(prev_hash || canonical(...))``, as the terminal computes it (kiosk.audit)."""
    canonical = json.dumps(
        {
            "seq": payload.seq,
            "at": payload.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "resident_id": payload.resident_id,
            "action": payload.action,
            "details": payload.details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((payload.prev_hash + canonical).encode("utf-8")).hexdigest()


_LAST = "audit_last"
_BATCHED = "audit_batched"


def batch_records(session: Session) -> None:
    """Keep this session's audit records in memory until :func:`store_batched` (a push batch).

    One ``executemany`` for the batch's events instead of one ``INSERT`` in each
    item's flush. An audit event is refused (``audit_seq_taken``) only before it is
    kept, so no savepoint undoes one.
    """
    session.info[_BATCHED] = []


def store_batched(session: Session) -> None:
    """Insert the records kept since :func:`batch_records`, in the caller's transaction."""
    rows = session.info.pop(_BATCHED, None)
    if rows:
        session.execute(insert(AuditRecord), rows)


def record_audit(session: Session, device: DeviceIdentity, payload: AuditPayload) -> None:
    # The device's latest record (highest seq), read once per session: a push batch
    # carries many events of the same chain.
    last: dict[str, tuple[int, str] | None] = session.info.setdefault(_LAST, {})
    if device.device_id not in last:
        found = session.execute(
            select(AuditRecord.seq, AuditRecord.hash)
            .where(AuditRecord.device_id == device.device_id)
            .order_by(AuditRecord.seq.desc())
            .limit(1)
        ).one_or_none()
        last[device.device_id] = None if found is None else (int(found.seq), str(found.hash))
    top = last[device.device_id]
    if top is not None and payload.seq <= top[0]:
        # The chain has this seq already (an outbox restored from an old copy, or the
        # same event under a new key): this item alone is answered, never the batch.
        held = _held_hash(session, device.device_id, payload.seq)
        if held == payload.hash:
            return None  # the very same event, recorded already
        if held is not None:
            raise Rejection("audit_seq_taken", seq=payload.seq, hash=payload.hash)
    # A gap or an edit on the terminal shows up here as a broken link; the event is
    # still kept (refusing it would hide the evidence), flagged for review.
    linked = top is None or top[1] == payload.prev_hash
    row: dict[str, Any] = {
        "device_id": device.device_id,
        "seq": payload.seq,
        "at": payload.at,
        "resident_id": payload.resident_id,
        "action": payload.action,
        "details": payload.details,
        "prev_hash": payload.prev_hash,
        "hash": payload.hash,
        "chain_ok": linked and chain_hash(payload) == payload.hash,
    }
    batched: list[dict[str, object]] | None = session.info.get(_BATCHED)
    if batched is not None:
        batched.append(row)  # inserted by store_batched with the rest of the batch
    else:
        session.add(AuditRecord(**row))
    if top is None or payload.seq > top[0]:
        last[device.device_id] = (payload.seq, payload.hash)
    return None


def _held_hash(session: Session, device_id: str, seq: int) -> str | None:
    """The hash of the device's event ``seq`` already recorded or batched, if any."""
    batched: list[dict[str, object]] | None = session.info.get(_BATCHED)
    for row in batched or ():
        if row["device_id"] == device_id and row["seq"] == seq:
            return str(row["hash"])
    found = session.execute(
        select(AuditRecord.hash).where(AuditRecord.device_id == device_id, AuditRecord.seq == seq)
    ).scalar_one_or_none()
    return None if found is None else str(found)
