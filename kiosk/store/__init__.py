"""The terminal's durable local store (SQLite, WAL, synchronous=FULL, Alembic-managed).

Start-up goes through :func:`open_store` (checks, backup, migration: see
``docs/store.md``); IT tools use :func:`list_backups` and :func:`restore_backup`.
"""

from __future__ import annotations

# sync/ runs no SQL itself (every statement is a kiosk function), but names the session a
# transaction hands to those functions, and a constraint's refusal of what the server sent.
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.store.backups import (
    Backup,
    database_in_use,
    list_backups,
    remove_backups,
    restore_backup,
)
from kiosk.store.database import Store, StoreError
from kiosk.store.startup import open_store

__all__ = [
    "Backup",
    "IntegrityError",
    "Session",
    "Store",
    "StoreError",
    "database_in_use",
    "list_backups",
    "open_store",
    "remove_backups",
    "restore_backup",
]
