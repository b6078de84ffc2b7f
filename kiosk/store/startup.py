"""Opening the store at start: check the file, back it up, migrate it, or refuse and say why.

The order matters and each step protects the next:

1. A file that is not SQLite, fails ``PRAGMA quick_check``, or was written by a
   newer Kite is refused, read-only: Kite never changes what it cannot read.
2. An up-to-date database opens at once (no backup, no Alembic transaction).
3. Otherwise the whole file is checked, a rotating backup is taken, then every
   pending revision runs in one transaction. If that fails, the backup is put
   back and the error says so.

With a store ``key`` (the kiosk always has one: ``sync.credentials.store_key``),
a new store is created encrypted, and a plain store of an earlier Kite is
checked whole and then encrypted in place before anything else (its plain
backups too: they hold the same residents' data). Without a key the store is
a plain SQLite file (tests and benchmarks).

The check at every start covers every table but the message history
(:data:`BULK_TABLES`): on a 50,000-message database (53 MB) the whole-file
check took 0.9 s from a cold disk cache against a few milliseconds for the
rest (``benchmarks/store_open.py``). Damage in the history is still found
before any migration, and at run time SQLite reports it as it reads the page
(``Store`` turns that into a :class:`StoreError`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.exc import OperationalError

from kiosk.store import checks, cipher
from kiosk.store.backups import (
    Backup,
    list_backups,
    newest_backup,
    replace_with_copy,
    take_backup,
)
from kiosk.store.cipher import dbapi
from kiosk.store.database import Store, StoreError, make_engine, translate_operational_error
from kiosk.store.revisions import migrations_dir, shipped_revisions

log = logging.getLogger(__name__)

# Tables whose size grows with the years of correspondence; see the module docstring.
BULK_TABLES = frozenset({"messages", "message_events"})


def open_store(path: Path, key: bytes | None = None) -> Store:
    """Open the store at ``path``, created or migrated to head; StoreError if unusable.

    ``key``: the store's SQLCipher key (see the module docstring).
    """
    with migrations_dir() as scripts:
        return open_with_migrations(path, scripts, key)


def open_with_migrations(path: Path, scripts: Path, key: bytes | None = None) -> Store:
    """:func:`open_store` against the revisions in ``scripts`` (the shipped ones in production)."""
    if not path.parent.is_dir():
        raise StoreError(
            f"The folder {path.parent} for Kite's database does not exist. If the data disk "
            "is not mounted, mount it; otherwise create the folder for the Kite user or fix "
            "data_dir in the configuration. Kite did not create a new, empty database."
        )
    known = shipped_revisions(scripts)
    head = known[-1]
    if key is not None and cipher.is_plain(path):
        _encrypt_plain_store(path, known, key)
    revision = _revision_of_existing(path, known, key, skip=BULK_TABLES)
    if revision == head:
        return Store(path, key=key)

    backup = None
    if revision is not None:
        _revision_of_existing(path, known, key)  # the whole file, before it is copied and changed
        try:
            backup = take_backup(path, revision, key=key)
        except (OSError, dbapi.Error) as exc:
            raise _before_any_change(translate_operational_error(exc, path)) from exc
        log.info("backed up %s at revision %s to %s", path, revision, backup.path)

    # Alembic is imported only here: it costs more than an up-to-date open.
    from kiosk.store.migrate import upgrade

    engine = make_engine(path, key)
    try:
        upgrade(engine, scripts)
    except Exception as exc:
        engine.dispose()
        raise _migration_failed(path, exc, backup, key) from exc
    log.info("migrated %s from revision %s to %s", path, revision or "(new)", head)
    return Store(path, engine, key)


def _encrypt_plain_store(path: Path, known: list[str], key: bytes) -> None:
    """Encrypt a plain store of an earlier Kite, and its plain backups, before any use."""
    _revision_of_existing(path, known, None)  # whole and ours, or refused untouched
    try:
        for backup in list_backups(path):
            if cipher.is_plain(backup.path):
                cipher.encrypt_in_place(backup.path, key)
        cipher.encrypt_in_place(path, key)
    except (OSError, dbapi.Error) as exc:
        raise StoreError(
            f"Encrypting the plain database {path} failed ({exc}). It was not changed and "
            "is still plain; Kite tries again at its next start. Free disk space (the "
            "encrypted copy needs as much as the database) or call facility IT."
        ) from exc
    log.info("encrypted the plain database %s with this device's store key", path)


def _revision_of_existing(
    path: Path, known: list[str], key: bytes | None, skip: frozenset[str] = frozenset()
) -> str | None:
    """The revision of the file at ``path`` (None for a new one), or a refusal."""
    if checks.is_blank(path):
        return None
    try:
        found = checks.inspect(path, key, skip=skip)
    except checks.NotReadableWithKey as exc:
        raise _refusal(
            path,
            "cannot be read with this device's store key: it was encrypted with another "
            "key (copied from another terminal, or this terminal's credential was "
            "provisioned again) or it is not a Kite database",
            alternative="put back this terminal's credential file (see the IT guide), or ",
        ) from exc
    except checks.NotSQLite as exc:
        raise _refusal(path, "is not an SQLite database (it is some other kind of file)") from exc
    except checks.Damaged as exc:
        raise _refusal(path, f"is damaged: SQLite's integrity check reports '{exc}'") from exc
    except dbapi.OperationalError as exc:
        raise translate_operational_error(exc, path) from exc
    if found.revision is None and found.has_tables:
        raise _refusal(path, "is an SQLite database but not one Kite made (no schema revision)")
    if found.revision is not None and found.revision not in known:
        raise _refusal(
            path,
            f"was written by a newer version of Kite (schema revision {found.revision}; "
            f"this version knows revisions up to {known[-1]})",
            alternative="install that newer version of Kite again, or ",
        )
    return found.revision


def _refusal(path: Path, problem: str, alternative: str = "") -> StoreError:
    backup = newest_backup(path)
    if backup is None:
        restore = "call facility IT: there is no backup of it"
    else:
        restore = (
            f"restore the newest backup, {backup.path} "
            f"(taken {backup.taken_at:%Y-%m-%d %H:%M} UTC), with kite-admin"
        )
    return StoreError(
        f"{path} {problem}. Kite has not changed it. To go on, stop Kite and "
        f"{alternative}{restore}."
    )


def _before_any_change(error: StoreError) -> StoreError:
    return StoreError(f"{error} The database was not changed; it was being backed up.")


def _migration_failed(
    path: Path, exc: Exception, backup: Backup | None, key: bytes | None
) -> StoreError:
    if isinstance(exc, OperationalError | dbapi.OperationalError | OSError):
        cause = str(translate_operational_error(exc, path))
    else:
        cause = f"Updating the database {path} to this version of Kite failed: {exc}."
    if backup is None:
        return StoreError(f"{cause} The new database was not created; nothing was stored yet.")
    try:
        replace_with_copy(path, backup.path, key)
    except (OSError, dbapi.Error) as restore_exc:
        return StoreError(
            f"{cause} Putting back the backup {backup.path} also failed ({restore_exc}); "
            "the update ran in one transaction, so the database should be as it was. "
            "Call facility IT with this message."
        )
    log.warning("migration of %s failed; restored %s", path, backup.path)
    return StoreError(
        f"{cause} Kite restored the backup taken just before, {backup.path}: the database is "
        "as it was, at the previous version. Report this to facility IT."
    )
