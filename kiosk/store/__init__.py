"""The terminal's durable local store (SQLite, WAL, synchronous=FULL, Alembic-managed)."""

from __future__ import annotations

from pathlib import Path

from kiosk.store.database import Store
from kiosk.store.models import Base


def open_store(path: Path) -> Store:
    """Open (creating if needed) the store at ``path``, ready for use.

    Interim: creates the schema from the models. The guarded start-up
    (integrity check, backup, Alembic migrations, restore on failure) replaces it.
    """
    store = Store(path)
    Base.metadata.create_all(store.engine)
    return store


__all__ = ["Store", "open_store"]
