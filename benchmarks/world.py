"""Building big terminal stores for benchmarks, through the change feed the sync engine applies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk import feed
from kiosk.store.database import Store

START = datetime(2026, 1, 1, tzinfo=UTC)


def seed_resident(store: Store, contacts: int = 10, resident_id: str = "r1") -> list[str]:
    """One resident with ``contacts`` approved contacts; returns the contact ids."""
    ids = [f"{resident_id}-c{i}" for i in range(contacts)]
    changes: list[dict[str, Any]] = [
        {
            "cursor": "0",
            "kind": "resident",
            "data": {
                "resident_id": resident_id,
                "facility_number": f"N-{resident_id}",
                "display_name": "Bench Resident",
                "housing_unit": "A-1",
                "language": "en",
                "restricted_until": None,
                "restriction_reason": None,
            },
        }
    ]
    changes += [
        {
            "cursor": "0",
            "kind": "contact",
            "data": {
                "contact_id": cid,
                "resident_id": resident_id,
                "display_name": f"Contact {i}",
                "relationship": "friend",
                "state": "approved",
                "accepts_cod": False,
            },
        }
        for i, cid in enumerate(ids)
    ]
    feed.apply_page(store, changes, "0", START)
    return ids


def message_changes(
    count: int, contacts: list[str], resident_id: str = "r1", first: int = 0
) -> Iterator[dict[str, Any]]:
    """``count`` approved inbound messages spread over the contacts, a minute apart."""
    for n in range(first, first + count):
        yield {
            "cursor": str(n),
            "kind": "message",
            "data": {
                "message_id": f"{resident_id}-m{n}",
                "resident_id": resident_id,
                "contact_id": contacts[n % len(contacts)],
                "body": f"Message number {n}. " * 8,
                "media": [],
                "has_return_stamp": n % 7 == 0,
                "approved_at": (START + timedelta(minutes=n)).isoformat(),
            },
        }


def load_messages(store: Store, count: int, contacts: list[str], page: int = 500) -> None:
    """Apply ``count`` messages in feed pages of ``page``, as the sync engine does."""
    done = 0
    while done < count:
        size = min(page, count - done)
        changes = list(message_changes(size, contacts, first=done))
        feed.apply_page(store, changes, str(done + size), START)
        done += size
