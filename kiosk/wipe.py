"""Wiping resident data from a terminal (server command ``wipe`` or ``revoke``).

Decision: a wipe deletes **every** resident's data: messages and their
timelines, drafts, contacts, residents (with their offline verifiers),
holds, ledger entries, debit snapshots, the audit trail, and the whole
outbox, including items not yet pushed. Unsent items are lost by design: a
wiped or revoked terminal cannot be trusted to deliver them, and keeping
them would keep message text on the device. The number dropped per kind is
logged (counts only, never content) and recorded in a ``device_wiped``
audit event, which continues the chain where the deleted trail ended (the next
``seq``, linked to the last hash), so the server's copy stays one unbroken chain
and no chain ``seq`` it holds is used again.

After the transaction commits, :func:`finish_wipe` deletes the database's
backups and checkpoints the WAL, so no copy of the wiped data stays on disk
(``secure_delete`` zeroes the freed pages in the database file itself).

Kept: the facility policy, the sync cursor (so the feed does not replay the
wiped data), the device row (``revoke`` stamps ``revoked_at``) and the push
sequence (``push_sequence``): items queued after a wipe go on numbering past
everything the server has, so it never refuses them as ``sequence_regressed``.

The store protects ``ledger_entries``, ``audit_events`` and ``holds`` with
triggers (append-only / resolve-once). A wipe is the one sanctioned
exception: inside the same transaction it drops those tables' triggers,
deletes, and re-creates each trigger from its own stored SQL, so a crash
midway leaves everything, triggers included, as it was.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kiosk import audit
from kiosk.store import remove_backups
from kiosk.store.database import Store
from kiosk.store.models import (
    AuditEvent,
    Contact,
    DebitSnapshot,
    DeviceState,
    Draft,
    Hold,
    LedgerEntry,
    Message,
    MessageEvent,
    OutboxItem,
    OutboxState,
    Resident,
)

log = logging.getLogger(__name__)

# Children before parents (foreign keys are enforced).
_WIPED = (
    MessageEvent,
    Draft,
    Hold,
    LedgerEntry,
    DebitSnapshot,
    Message,
    Contact,
    Resident,
    OutboxItem,
    AuditEvent,
)


def wipe_resident_data(session: Session, command: str, now: datetime) -> dict[str, int]:
    """Delete all resident data in the caller's transaction; returns unsent items by kind."""
    if command not in {"wipe", "revoke"}:
        raise ValueError(f"device command {command!r} is not wipe or revoke")
    dropped = {
        str(kind): int(count)
        for kind, count in session.execute(
            select(OutboxItem.kind, func.count())
            .where(OutboxItem.state == OutboxState.PENDING)
            .group_by(OutboxItem.kind)
        ).all()
    }
    tail = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    # Overwrite freed pages with zeros, so deleted text is not left readable in the file.
    session.execute(text("PRAGMA secure_delete = ON"))
    tables = [model.__tablename__ for model in _WIPED]
    names = ", ".join(f"'{t}'" for t in tables)
    triggers = session.execute(
        text(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})"
        )
    ).all()
    for name, _sql in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    for table in tables:
        session.execute(text(f'DELETE FROM "{table}"'))
    for _name, sql in triggers:
        session.execute(text(sql))
    session.expunge_all()
    if command == "revoke":
        for device in session.scalars(select(DeviceState)):
            device.revoked_at = now
    if dropped:
        log.warning("device %s: dropped unsent outbox items %s", command, dropped)
    log.warning("device %s: resident data wiped", command)
    audit.record(
        session,
        "device_wiped",
        None,
        now,
        (tail[0], tail[1]) if tail is not None else None,
        command=command,
        dropped_outbox=sum(dropped.values()),
    )
    return dropped


def finish_wipe(store: Store) -> None:
    """After a committed wipe: delete backups and fold the WAL into the zeroed file."""
    removed = remove_backups(store.path)
    with store.engine.connect() as connection:
        busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
    if busy:
        # A reader still held the WAL; the next checkpoint (at the latest on close) folds it.
        log.warning("wipe: WAL checkpoint deferred by an open reader")
    log.warning("wipe finished: %d backup(s) deleted", removed)
