"""The audit trail: every resident action, chained by hash, queued to the server.

Format (the server recomputes it; keep both sides in step)::

    canonical = json.dumps(
        {"seq": seq, "at": "YYYY-MM-DDTHH:MM:SS.ffffffZ", "resident_id": id_or_null,
         "action": action, "details": details},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    hash = sha256((prev_hash + canonical).encode("utf-8")).hexdigest()

The first event's ``prev_hash`` is 64 zeros. ``seq`` counts up by one.
Removing, reordering or editing an event breaks the chain at that event,
which :func:`verify_chain` reports. (Dropping the newest events is only
visible to the server, which has already received them.)

Details never carry message bodies, PINs or other secrets: keys such as
``body``, ``pin`` or ``text`` are refused with ``ValueError``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import outbox
from kiosk.store.models import AuditEvent

GENESIS = "0" * 64
FORBIDDEN_WORDS = frozenset(
    {"body", "pin", "text", "password", "passcode", "verifier", "secret", "credential"}
)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`: ``ok``, or the first bad ``seq`` and what is wrong."""

    ok: bool
    events: int
    bad_seq: int | None = None
    problem: str | None = None  # gap | reordered_or_removed | edited


def format_at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    resident_id: str | None,
    action: str,
    details: dict[str, Any],
) -> str:
    """The chained hash of one event (see the module docstring for the format)."""
    canonical = json.dumps(
        {
            "seq": seq,
            "at": format_at(at),
            "resident_id": resident_id,
            "action": action,
            "details": details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _check_details(details: dict[str, Any], path: str = "details") -> None:
    for key, value in details.items():
        words = set(_WORD.findall(str(key).lower()))
        bad = words & FORBIDDEN_WORDS
        if bad:
            raise ValueError(
                f"audit {path}.{key}: key names {sorted(bad)}; audit details never hold "
                "message text, PINs or secrets"
            )
        if isinstance(value, dict):
            _check_details(value, f"{path}.{key}")


def record(
    session: Session,
    action: str,
    resident_id: str | None,
    now: datetime,
    continues: tuple[int, str] | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event to the chain and queue it for the server, in the caller's transaction.

    ``continues``: the ``(seq, hash)`` of the last event before the trail was emptied
    (a wipe), for an empty trail to go on from, so the server's copy of the chain
    stays whole and no ``seq`` it holds is used again.
    """
    if not action or len(action) > 64:
        raise ValueError(f"audit action {action!r} must be 1-64 characters")
    _check_details(details)
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    if last is not None:
        seq, prev_hash = last.seq + 1, last.hash
    elif continues is not None:
        seq, prev_hash = continues[0] + 1, continues[1]
    else:
        seq, prev_hash = 1, GENESIS
    digest = compute_hash(prev_hash, seq, now, resident_id, action, details)
    event = AuditEvent(
        seq=seq,
        at=now,
        resident_id=resident_id,
        action=action,
        details=details,
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(event)
    outbox.enqueue(
        session,
        "audit",
        {
            "seq": seq,
            "at": format_at(now),
            "resident_id": resident_id,
            "action": action,
            "details": details,
            "prev_hash": prev_hash,
            "hash": digest,
        },
        now,
    )
    return event


def verify_chain(session: Session) -> ChainReport:
    """Walk the chain in seq order; report the first removed, reordered or edited event."""
    prev_hash: str | None = None
    prev_seq: int | None = None
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(500):
        count += 1
        if prev_seq is not None and event.seq != prev_seq + 1:
            return ChainReport(False, count, prev_seq + 1, "gap")
        expected_prev = GENESIS if prev_hash is None else prev_hash
        if prev_hash is not None and event.prev_hash != expected_prev:
            return ChainReport(False, count, event.seq, "reordered_or_removed")
        digest = compute_hash(
            event.prev_hash, event.seq, event.at, event.resident_id, event.action, event.details
        )
        if digest != event.hash:
            return ChainReport(False, count, event.seq, "edited")
        prev_hash, prev_seq = event.hash, event.seq
    return ChainReport(True, count)
