"""Audit events from terminals: stored with a flag saying whether their hash chain holds."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import AuditPayload
from sync.server.auth import DeviceIdentity
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


def record_audit(session: Session, device: DeviceIdentity, payload: AuditPayload) -> None:
    previous = session.execute(
        select(AuditRecord.hash)
        .where(AuditRecord.device_id == device.device_id)
        .order_by(AuditRecord.seq.desc())
        .limit(1)
    ).scalar_one_or_none()
    # A gap or an edit on the terminal shows up here as a broken link; the event is
    # still kept (refusing it would hide the evidence), flagged for review.
    linked = previous is None or previous == payload.prev_hash
    session.add(
        AuditRecord(
            device_id=device.device_id,
            seq=payload.seq,
            at=payload.at,
            resident_id=payload.resident_id,
            action=payload.action,
            details=payload.details,
            prev_hash=payload.prev_hash,
            hash=payload.hash,
            chain_ok=linked and chain_hash(payload) == payload.hash,
        )
    )
