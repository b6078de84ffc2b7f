"""The audit chain, as docs/protocol.md ("The audit chain") gives it, with the page's vector.

Written from the page alone, as the rest of the kit: the canonical JSON of the event's
five fields (keys sorted, no whitespace, non-ASCII as it is), its time in UTC with six
fraction digits, and ``sha256(prev_hash + canonical)`` in lower-case hex.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64

#: The page's test vector (tests/unit/test_audit_vector.py holds the copy to the page).
VECTOR: list[dict[str, Any]] = [
    {
        "seq": 1,
        "at": "2026-12-04T15:20:30.123456Z",
        "resident_id": "res-1001",
        "action": "sign_in",
        "details": {"method": "online"},
        "prev_hash": GENESIS,
        "hash": "2d51f85d74463ecaad6f99daa7df9a13bc60e94db4fa8639b3b7dce39def3f8b",
    },
    {
        "seq": 2,
        "at": "2026-12-04T15:21:00.000000Z",
        "resident_id": None,
        "action": "session_ended",
        "details": {"cafe": "café", "reason": "idle"},
        "prev_hash": "2d51f85d74463ecaad6f99daa7df9a13bc60e94db4fa8639b3b7dce39def3f8b",
        "hash": "bd337390f2c0124faaed4f29906c24acd53a4d303c0f92ec969e0f0c2491d339",
    },
]


def event_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(prev_hash: str, event: dict[str, Any]) -> str:
    """The hash of ``event`` (its seq, at, resident_id, action, details) after ``prev_hash``."""
    fields = {name: event[name] for name in ("seq", "at", "resident_id", "action", "details")}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def vector_problems() -> list[str]:
    """What of the page's audit vector this implementation does not reproduce (empty: all)."""
    problems = []
    prev = GENESIS
    for event in VECTOR:
        if event["prev_hash"] != prev:
            problems.append(f"event {event['seq']}: prev_hash is not the event before's hash")
        got = chain_hash(event["prev_hash"], event)
        if got != event["hash"]:
            problems.append(f"event {event['seq']}: hash {got} != {event['hash']}")
        prev = event["hash"]
    return problems
