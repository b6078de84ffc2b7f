"""The transactional outbox: what the server must learn of, in order, with idempotency keys.

A domain service calls :func:`enqueue` inside the same write transaction as
the change itself, so the change and its outbox row commit together or not at
all; once it commits, the store wakes whoever pushes the outbox
(``Store.add_outbox_listener``). The row id is this terminal's monotonic
``seq``; the idempotency key (32 hex characters, minted here once) rides
along on every retry.

The sync engine reads :func:`due_items` and reports back through
:func:`mark_sent` (an attempt counted before a batch goes out, with its retry
time should no answer come), :func:`mark_done` or :func:`mark_failed`
(permanent). Domain effects of a server answer live in
:func:`kiosk.replies.apply_push_result`, which calls these.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kiosk.store.database import note_outbox_added
from kiosk.store.models import OutboxItem, OutboxState

KINDS = frozenset(
    {"send_message", "purchase_stamps", "mark_read", "hide_message", "set_contact_blocked", "audit"}
)


def new_key() -> str:
    """A fresh idempotency key / client id: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    depends_on: int | None = None,
) -> OutboxItem:
    """Add an outbox row in the caller's transaction; it is flushed so ``id`` is set."""
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    if depends_on is not None and session.get(OutboxItem, depends_on) is None:
        raise ValueError(f"outbox item {depends_on} (depends_on) does not exist")
    item = OutboxItem(
        idempotency_key=new_key(),
        kind=kind,
        payload=payload,
        depends_on=depends_on,
        state=OutboxState.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(item)
    session.flush()
    note_outbox_added(session)
    return item


def due_items(
    session: Session, now: datetime, limit: int = 200, exclude: Collection[int] = ()
) -> list[OutboxItem]:
    """Pending items ready to push, in ``seq`` order, leaving out ``exclude``.

    An item whose dependency is not done is held back unless that dependency
    is itself in this batch (earlier, since a dependency always has a lower
    seq): the server processes a batch in order. Items backing off are skipped
    here; the sync engine cuts the batch at the first gap they leave
    (``sync.push``), so nothing overtakes them.
    """
    pending = select(OutboxItem).where(OutboxItem.state == OutboxState.PENDING)
    if exclude:
        pending = pending.where(OutboxItem.id.not_in(sorted(exclude)))
    # Streamed in chunks: a long queue is read only as far as the batch needs, not
    # loaded whole for every batch.
    rows = session.scalars(
        pending.order_by(OutboxItem.id).execution_options(yield_per=max(limit, 1))
    )
    chosen: list[OutboxItem] = []
    chosen_ids: set[int] = set()
    try:
        for item in rows:
            if item.next_attempt_at > now:
                continue  # backing off; items that depend on it wait too (see below)
            if item.depends_on is not None and item.depends_on not in chosen_ids:
                dependency = session.get(OutboxItem, item.depends_on)
                if dependency is None or dependency.state != OutboxState.DONE:
                    continue
            chosen.append(item)
            chosen_ids.add(item.id)
            if len(chosen) >= limit:
                break
    finally:
        rows.close()
    return chosen


def pending_count(session: Session) -> int:
    """How many items wait for the server (for the status line and diagnostics)."""
    count = session.scalar(
        select(func.count()).select_from(OutboxItem).where(OutboxItem.state == OutboxState.PENDING)
    )
    return int(count or 0)


def mark_done(
    session: Session, item: OutboxItem, result: dict[str, Any] | None, now: datetime
) -> None:
    """The server accepted the item (or already had it)."""
    item.state = OutboxState.DONE
    item.result = result
    item.done_at = now
    item.last_error = None


def mark_failed(session: Session, item: OutboxItem, reason: str, now: datetime) -> None:
    """The server refused the item for good; it will never be sent again."""
    item.state = OutboxState.FAILED
    item.last_error = reason[:500]
    item.done_at = now


def mark_sent(session: Session, item_ids: Sequence[int], error: str, retry_at: datetime) -> None:
    """Items about to be sent together: count the attempt, and retry at ``retry_at``
    unless an answer settles them first (one statement for the batch, same key)."""
    for start in range(0, len(item_ids), 500):
        session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id.in_(item_ids[start : start + 500]),
                OutboxItem.state == OutboxState.PENDING,
            )
            .values(
                attempts=OutboxItem.attempts + 1,
                last_error=error[:500],
                next_attempt_at=retry_at,
            )
            .execution_options(synchronize_session="evaluate")
        )


def dependents(session: Session, item_id: int) -> list[OutboxItem]:
    """Pending items that wait on ``item_id``."""
    return list(
        session.scalars(
            select(OutboxItem)
            .where(OutboxItem.depends_on == item_id, OutboxItem.state == OutboxState.PENDING)
            .order_by(OutboxItem.id)
        )
    )


def wire_time(value: datetime) -> str:
    """RFC 3339 UTC with a Z, as payloads carry times."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
