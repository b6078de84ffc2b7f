"""Valid wire documents to start from (the hostile suites then break them)."""

from __future__ import annotations

import json
from typing import Any

T0 = "2026-11-23T08:00:00Z"


def resident(rid: str = "r1", number: str = "A100") -> dict[str, Any]:
    return {
        "resident_id": rid,
        "facility_number": number,
        "display_name": "Ana Ruiz",
        "housing_unit": "unit-a",
        "language": "es",
        "restricted_until": None,
        "restriction_reason": None,
    }


def contact(cid: str = "c1", rid: str = "r1") -> dict[str, Any]:
    return {
        "contact_id": cid,
        "resident_id": rid,
        "display_name": "Mamá",
        "relationship": "mother",
        "state": "approved",
        "accepts_cod": True,
    }


def message(
    mid: str = "m1", rid: str = "r1", cid: str = "c1", body: str = "hola"
) -> dict[str, Any]:
    return {
        "message_id": mid,
        "resident_id": rid,
        "contact_id": cid,
        "body": body,
        "media": [],
        "has_return_stamp": True,
        "approved_at": T0,
    }


def ledger(eid: str = "e1", rid: str = "r1", stamps: int = 5) -> dict[str, Any]:
    return {
        "entry_id": eid,
        "resident_id": rid,
        "kind": "transfer_in",
        "stamps": stamps,
        "cents": 0,
        "memo": "",
        "reference": None,
        "booked_at": T0,
    }


def page(
    changes: list[tuple[str, dict[str, Any]]], start: int = 1, has_more: bool = False
) -> dict[str, Any]:
    items = [
        {"cursor": str(start + i), "kind": kind, "data": data}
        for i, (kind, data) in enumerate(changes)
    ]
    next_cursor = str(start + len(items) - 1) if items else str(start - 1)
    return {"changes": items, "next_cursor": next_cursor, "has_more": has_more}


def encode(doc: Any) -> bytes:
    return json.dumps(doc).encode()
