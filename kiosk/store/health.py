"""The store's health as ``kite-admin doctor`` reports it: intact, and at which schema revision.

Read-only, like every check in :mod:`kiosk.store.checks`: a running Kite may
hold the file open, and a damaged file is left exactly as it was found.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from kiosk.store import checks
from kiosk.store.revisions import migrations_dir, shipped_revisions


@dataclass(frozen=True)
class StoreHealth:
    """``problem`` is None when the file is fine; ``revision`` is the file's, ``head`` ours."""

    exists: bool
    revision: str | None
    head: str
    problem: str | None = None


def examine_store(path: Path) -> StoreHealth:
    """Run SQLite's full ``integrity_check`` on ``path`` and read its schema revision."""
    with migrations_dir() as scripts:
        known = shipped_revisions(scripts)
    head = known[-1]
    if checks.is_blank(path):
        return StoreHealth(exists=False, revision=None, head=head)
    try:
        found = checks.inspect(path, thorough=True)
    except checks.NotSQLite:
        return StoreHealth(True, None, head, "is not an SQLite database (it is some other file)")
    except checks.Damaged as exc:
        return StoreHealth(
            True, None, head, f"is damaged: SQLite's integrity check reports '{exc}'"
        )
    except (sqlite3.OperationalError, OSError) as exc:
        return StoreHealth(True, None, head, f"cannot be read ({exc})")
    if found.revision is None and found.has_tables:
        return StoreHealth(
            True, None, head, "is an SQLite database but not one Kite made (no schema revision)"
        )
    if found.revision is not None and found.revision not in known:
        return StoreHealth(
            True,
            found.revision,
            head,
            f"was written by a newer version of Kite (schema revision {found.revision}; "
            f"this version knows revisions up to {head})",
        )
    return StoreHealth(True, found.revision, head)
