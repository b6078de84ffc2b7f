"""Databases built at a given revision and filled with a realistic world, in plain SQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, select

from kiosk.store.database import make_engine
from kiosk.store.migrate import upgrade

T0 = datetime(2026, 11, 20, 14, 30, 0)  # naive UTC, as the store keeps it

# One facility's worth of data, written with plain SQL so that it can go into a
# database at ANY revision. A revision that adds a required column must add it here.
WORLD: dict[str, list[dict[str, Any]]] = {
    "residents": [
        {
            "id": "r-1001",
            "facility_number": "A-1001",
            "display_name": "Dana Ortiz",
            "housing_unit": "B-2",
            "language": "es",
            "pin_verifier": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
            "failed_attempts": 1,
            "locked_until": None,
            "restricted_until": None,
            "restriction_reason": None,
            "updated_at": T0,
        }
    ],
    "contacts": [
        {
            "id": "c-1",
            "resident_id": "r-1001",
            "display_name": "Maria Ortiz",
            "relationship_label": "mother",
            "state": "approved",
            "accepts_cod": 1,
            "updated_at": T0,
        }
    ],
    "messages": [
        {
            "id": 1,
            "client_id": None,
            "server_id": "m-77",
            "resident_id": "r-1001",
            "contact_id": "c-1",
            "direction": "inbound",
            "body": "Hola mijo, we miss you. ¿Cómo estás?",
            "media": [{"kind": "photo", "id": "p-9"}],
            "sort_at": T0,
            "has_return_stamp": 1,
            "return_stamp_used": 1,
            "read_at": T0,
            "status": None,
            "status_reason": None,
            "payment": None,
            "stamps_cost": 0,
            "in_reply_to": None,
            "hidden": 0,
        },
        {
            "id": 2,
            "client_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "server_id": None,
            "resident_id": "r-1001",
            "contact_id": "c-1",
            "direction": "outbound",
            "body": "Estoy bien, mamá.",
            "media": [],
            "sort_at": T0,
            "has_return_stamp": 0,
            "return_stamp_used": 0,
            "read_at": None,
            "status": "queued",
            "status_reason": None,
            "payment": "return_stamp",
            "stamps_cost": 0,
            "in_reply_to": 1,
            "hidden": 0,
        },
    ],
    "message_events": [{"id": 1, "message_id": 2, "status": "queued", "at": T0, "reason": None}],
    "drafts": [
        {
            "id": 1,
            "resident_id": "r-1001",
            "contact_id": "c-1",
            "in_reply_to": 1,
            "body": "Half a sentence I will fin",
            "origin": "session_end",
            "updated_at": T0,
        }
    ],
    "ledger_entries": [
        {
            "id": 1,
            "server_id": "l-1",
            "resident_id": "r-1001",
            "kind": "purchase",
            "stamps": 10,
            "cents": -450,
            "memo": "Book of 10",
            "reference": "aa" * 16,
            "booked_at": T0,
        }
    ],
    "holds": [
        {
            "id": 1,
            "client_id": "bb" * 16,
            "resident_id": "r-1001",
            "kind": "purchase",
            "stamps": 5,
            "cents": 250,
            "product_id": "book-5",
            "message_id": None,
            "state": "pending",
            "reason": None,
            "created_at": T0,
            "resolved_at": None,
        }
    ],
    "debit_snapshots": [{"id": 1, "resident_id": "r-1001", "cents": 12_345, "as_of": T0}],
    "facility_policy": [
        {"facility_id": "demo", "document": {"refund_on_reject": True}, "received_at": T0}
    ],
    "outbox": [
        {
            "id": 1,
            "idempotency_key": "cc" * 16,
            "kind": "purchase",
            "payload": {"product_id": "book-5", "client_id": "bb" * 16},
            "depends_on": None,
            "state": "pending",
            "attempts": 2,
            "next_attempt_at": T0,
            "last_error": "timeout",
            "result": None,
            "created_at": T0,
            "done_at": None,
        }
    ],
    "sync_cursor": [{"scope": "messages", "cursor": "c:000123", "updated_at": T0}],
    "device": [{"id": 1, "device_id": "dev-42", "enrolled_at": T0, "revoked_at": None}],
    "audit_events": [
        {
            "seq": 1,
            "at": T0,
            "resident_id": "r-1001",
            "action": "sign_in",
            "details": {},
            "prev_hash": "0" * 64,
            "hash": "1" * 64,
        }
    ],
}


def build_at(path: Path, scripts: Path, revision: str) -> None:
    """Create a database at ``path`` migrated exactly to ``revision`` (not beyond)."""
    engine = make_engine(path)
    try:
        upgrade(engine, scripts, target=revision)
    finally:
        engine.dispose()


def fill(path: Path, key: bytes | None = None) -> dict[str, list[dict[str, Any]]]:
    """Insert WORLD into the tables that exist at the file's revision; return what was written."""
    engine = make_engine(path, key)
    metadata = MetaData()
    metadata.reflect(engine)
    written: dict[str, list[dict[str, Any]]] = {}
    try:
        with engine.begin() as connection:
            for name, rows in WORLD.items():  # parents first
                if name not in metadata.tables:
                    continue
                table = metadata.tables[name]
                kept = [{k: v for k, v in row.items() if k in table.c} for row in rows]
                connection.execute(table.insert(), kept)
                written[name] = kept
    finally:
        engine.dispose()
    return written


def read_back(
    path: Path, written: dict[str, list[dict[str, Any]]], key: bytes | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The same columns of the same tables, read from ``path``, in primary-key order."""
    engine = make_engine(path, key)
    metadata = MetaData()
    metadata.reflect(engine)
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        with engine.connect() as connection:
            for name, rows in written.items():
                table = metadata.tables[name]
                columns = [table.c[key] for key in rows[0]]
                order = list(table.primary_key.columns)
                result = connection.execute(select(*columns).order_by(*order))
                found[name] = [dict(row._mapping) for row in result]
    finally:
        engine.dispose()
    return found
