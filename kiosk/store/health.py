"""The store's health as ``kite-admin doctor`` reports it: intact, encrypted, at which revision.

Read-only, like every check in :mod:`kiosk.store.checks`: a running Kite may
hold the file open, and a damaged file is left exactly as it was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.store import checks
from kiosk.store.cipher import dbapi
from kiosk.store.revisions import migrations_dir, shipped_revisions


@dataclass(frozen=True)
class StoreHealth:
    """``problem`` is None when the file is fine; ``revision`` is the file's, ``head`` ours.

    ``encrypted``: the file is SQLCipher-encrypted (False for a plain file, or unknown).
    """

    exists: bool
    revision: str | None
    head: str
    problem: str | None = None
    encrypted: bool = False


def examine_store(path: Path, key: bytes | None = None) -> StoreHealth:
    """Run SQLite's full ``integrity_check`` on ``path`` and read its schema revision.

    ``key`` reads an encrypted store (this device's store key, None when unknown).
    """
    with migrations_dir() as scripts:
        known = shipped_revisions(scripts)
    head = known[-1]
    if checks.is_blank(path):
        return StoreHealth(exists=False, revision=None, head=head)
    try:
        found = checks.inspect(path, key, thorough=True)
    except checks.NotReadableWithKey:
        return StoreHealth(
            True,
            None,
            head,
            "cannot be read with this device's store key (encrypted with another key, or "
            "not a Kite database)",
        )
    except checks.NotSQLite:
        if key is None:
            return StoreHealth(
                True,
                None,
                head,
                "is not an SQLite database readable without a key (encrypted, and this "
                "device's store key is not available, or some other file)",
            )
        return StoreHealth(True, None, head, "is not an SQLite database (it is some other file)")
    except checks.Damaged as exc:
        return StoreHealth(
            True, None, head, f"is damaged: SQLite's integrity check reports '{exc}'"
        )
    except (dbapi.OperationalError, OSError) as exc:
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
    return StoreHealth(True, found.revision, head, encrypted=found.encrypted)
