"""The transactional outbox: what the server must learn of, in order, with idempotency keys.

A domain service calls :func:`enqueue` inside the same write transaction as
the change itself, so the change and its outbox row commit together or not at
all; once it commits, the store wakes whoever pushes the outbox
(``Store.add_outbox_listener``). The row id is this terminal's push ``seq``,
taken from the ``push_sequence`` row in the same transaction, so it never goes
back (a wipe empties the outbox, not the sequence); the idempotency key (32 hex
characters, minted here once) rides along on every retry. When the server
holds a higher mark than this terminal knows (a restored backup, a re-imaged
terminal), :func:`renumber_past` moves the unsent items past it.

The sync engine takes :func:`sendable` items (due, in order, without a gap)
and reports back through :func:`mark_sent` (an attempt counted before a batch
goes out, with its retry time should no answer come), :func:`note_error`,
:func:`mark_done` or :func:`mark_failed` (permanent). Domain effects of a
server answer live in :func:`kiosk.replies.apply_push_result`, which calls
these. The rest answers the engine's and IT's questions: what is waiting
(:func:`state_counts`), when next (:func:`next_attempt_at`), what went wrong
last (:func:`last_error`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from kiosk import device
from kiosk.auth import ItemSigner
from kiosk.store.database import note_outbox_added
from kiosk.store.models import OutboxItem, OutboxState, PushSequence

#: The kinds that act for a resident: each carries his proof (protocol 1.4), made at enqueue.
RESIDENT_KINDS = frozenset(
    {
        "send_message",
        "purchase_stamps",
        "mark_read",
        "hide_message",
        "set_contact_blocked",
        "set_language",
    }
)
KINDS = RESIDENT_KINDS | {"audit"}

_SIGNER = "kite.resident_signer"


#: The highest ``seq`` the protocol allows.
MAX_SEQ = 2**62

#: Why an item failed that the server refused for its seq and the terminal could not
#: renumber past the server's mark (``sync.push``): IT must look.
SEQUENCE_REFUSED = "sequence_regressed"

#: Why an item failed that the server answered with errors over and over and never
#: stored (``sync.push``): it is set aside, never sent again, so the queue moves on.
SET_ASIDE = "server_error_repeated"


def new_key() -> str:
    """A fresh idempotency key / client id: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def sign_for(session: Session, resident_id: str, signer: ItemSigner | None) -> None:
    """What ``resident_id`` queues in this transaction carries ``signer``'s proof.

    The signer is his session's (``kiosk.sessions.Session.signer``); it is held in
    the transaction only, and the proof (a MAC, not the key) is kept with the item.
    """
    session.info[_SIGNER] = (resident_id, signer)


def _proof(session: Session, kind: str, key: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The resident's proof of an item, or None (not a resident's kind, or no signer)."""
    if kind not in RESIDENT_KINDS:
        return None
    resident_id: str | None
    signer: ItemSigner | None
    resident_id, signer = session.info.get(_SIGNER, (None, None))
    if signer is None or resident_id != payload.get("resident_id"):
        return None  # queued without his session: the server will refuse it, and say why
    this_device = device.current(session)
    if this_device is None:
        return None
    return signer.sign(this_device.device_id, key, kind, payload)


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
    key = new_key()
    item = OutboxItem(
        id=_next_seq(session),
        idempotency_key=key,
        kind=kind,
        payload=payload,
        proof=_proof(session, kind, key, payload),
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


def _sequence(session: Session) -> PushSequence:
    row = session.get(PushSequence, 1)
    if row is None:
        row = PushSequence(id=1, last_seq=0, jumps=0)
        session.add(row)
    return row


def _top_id(session: Session) -> int:
    return int(session.scalar(select(func.max(OutboxItem.id))) or 0)


def _next_seq(session: Session) -> int:
    """The next push ``seq``, recorded in the caller's transaction (never one handed out before)."""
    row = _sequence(session)
    seq = max(row.last_seq, _top_id(session)) + 1
    if seq > MAX_SEQ:
        raise ValueError("the push sequence is exhausted")
    row.last_seq = seq
    return seq


def last_seq(session: Session) -> int:
    """The last push ``seq`` handed out (0: none yet)."""
    row = session.get(PushSequence, 1)
    return max(row.last_seq if row is not None else 0, _top_id(session))


@dataclass(frozen=True)
class SequenceReport:
    """The push sequence as IT sees it (``kite-admin status``)."""

    last_seq: int
    server_mark: int | None  # the server's mark at the last jump past it
    jumps: int
    jumped_at: datetime | None


def sequence_report(session: Session) -> SequenceReport:
    row = session.get(PushSequence, 1)
    if row is None:
        return SequenceReport(last_seq(session), None, 0, None)
    return SequenceReport(last_seq(session), row.server_mark, row.jumps, row.jumped_at)


def renumber_past(session: Session, mark: int, now: datetime) -> int:
    """Move every pending item past the server's ``mark``, in order; how many moved.

    For when the server holds a higher ``seq`` for this device than this terminal
    knows (``sequence_regressed``: a restored backup, a re-imaged terminal). Safe:
    an item keeps its idempotency key, and the server applies nothing it has under
    that key twice; the pending items it never stored are simply numbered anew.
    Their order and dependencies are kept, and they are due at once. Raises
    ``ValueError`` when ``mark`` leaves no room below :data:`MAX_SEQ`.

    The caller's transaction must hold no outbox objects it still needs: the
    session is cleared (primary keys change under it).
    """
    pending = OutboxItem.state == OutboxState.PENDING
    first, count = session.execute(
        select(func.min(OutboxItem.id), func.count()).where(pending)
    ).one()
    row = _sequence(session)
    top = max(row.last_seq, _top_id(session), mark)
    if not count:
        row.last_seq = top
        row.server_mark, row.jumps, row.jumped_at = mark, row.jumps + 1, now
        return 0
    offset = top + 1 - int(first)
    if offset <= 0:
        return 0  # already past the mark
    if _top_id(session) + offset > MAX_SEQ:
        raise ValueError(f"no room for {count} items past the server's seq {mark}")
    session.flush()
    # Ids change under the foreign key depends_on: checked at commit, not per statement.
    session.execute(text("PRAGMA defer_foreign_keys = ON"))
    pending_ids = select(OutboxItem.id).where(pending).scalar_subquery()
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.depends_on.in_(pending_ids))
        .values(depends_on=OutboxItem.depends_on + offset)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboxItem)
        .where(pending)
        .values(id=OutboxItem.id + offset, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expunge_all()
    row = _sequence(session)
    row.last_seq = _top_id(session)
    row.server_mark, row.jumps, row.jumped_at = mark, row.jumps + 1, now
    return int(count)


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


@dataclass(frozen=True)
class Outgoing:
    """An outbox item as the push engine sends it: a copy, detached from the session."""

    seq: int
    idempotency_key: str
    kind: str
    payload: dict[str, Any]
    attempts: int  # attempts so far, before this one
    proof: dict[str, Any] | None = None  # the resident's, made at enqueue


def sendable(
    session: Session, now: datetime, limit: int = 200, exclude: Collection[int] = ()
) -> list[Outgoing]:
    """The :func:`due_items` that continue the queue without a gap, in ``seq`` order.

    The server refuses new work numbered below work it already has
    (``sequence_regressed``), so an item must never overtake an earlier one that
    is still pending (backing off, or waiting on its dependency): that earlier
    item could then never be delivered. Items in ``exclude`` (a batch the server
    has answered, its answer not applied yet) are no gap: the server has them.
    """
    due = due_items(session, now, limit=limit, exclude=exclude)
    if not due:
        return []
    pending = select(OutboxItem.id).where(OutboxItem.state == OutboxState.PENDING)
    if exclude:
        pending = pending.where(OutboxItem.id.not_in(sorted(exclude)))
    queue = session.scalars(pending.order_by(OutboxItem.id).limit(len(due))).all()
    chosen: list[Outgoing] = []
    for item, expected in zip(due, queue, strict=False):
        if item.id != expected:
            break
        chosen.append(
            Outgoing(
                item.id, item.idempotency_key, item.kind, item.payload, item.attempts, item.proof
            )
        )
    return chosen


def count_server_error(session: Session, item_id: int) -> int:
    """One more server error (5xx) for this item sent alone; how many so far.

    Kept with the item, so a terminal that restarts (or crashes) between attempts
    still asks the item's fate after the allowed number (``sync.push.FATE_AFTER``).
    """
    item = session.get(OutboxItem, item_id)
    if item is None:
        raise ValueError(f"outbox item {item_id} does not exist")
    item.server_errors = (item.server_errors or 0) + 1
    return item.server_errors


def is_pending(session: Session, item_id: int) -> bool:
    """Whether ``item_id`` still waits for an answer (False: settled, or unknown)."""
    item = session.get(OutboxItem, item_id)
    return item is not None and item.state == OutboxState.PENDING


def note_error(session: Session, item_ids: Sequence[int], error: str) -> None:
    """Why the last attempt at these items failed, on those still pending."""
    for item_id in item_ids:
        item = session.get(OutboxItem, item_id)
        if item is not None and item.state == OutboxState.PENDING:
            item.last_error = error[:500]


def make_due(session: Session, now: datetime) -> int:
    """Make every pending item due at once (the server is reachable again); how many were not."""
    result = session.execute(
        update(OutboxItem)
        .where(OutboxItem.state == OutboxState.PENDING, OutboxItem.next_attempt_at > now)
        .values(next_attempt_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def next_attempt_at(session: Session) -> datetime | None:
    """When the earliest pending item falls due (None: nothing pending)."""
    value: datetime | None = session.scalar(
        select(func.min(OutboxItem.next_attempt_at)).where(OutboxItem.state == OutboxState.PENDING)
    )
    return value


def state_counts(session: Session) -> dict[str, int]:
    """How many items are in each state (``pending``, ``done``, ``failed``); absent: none."""
    rows = session.execute(select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all()
    return {str(state): int(n) for state, n in rows}


def waiting_and_refused(session: Session) -> tuple[int, int]:
    """How many items wait for the server, and how many it refused for good."""
    counts = state_counts(session)
    return counts.get(OutboxState.PENDING, 0), counts.get(OutboxState.FAILED, 0)


def set_aside_count(session: Session) -> int:
    """How many failed items were set aside after repeated server errors (for IT)."""
    return failed_count(session, SET_ASIDE)


def failed_count(session: Session, reason: str) -> int:
    """How many items failed for ``reason`` (for IT)."""
    count = session.scalar(
        select(func.count())
        .select_from(OutboxItem)
        .where(OutboxItem.state == OutboxState.FAILED, OutboxItem.last_error == reason)
    )
    return int(count or 0)


def last_error(session: Session) -> str | None:
    """The error recorded on the newest item that has one (for IT's diagnostics)."""
    value: str | None = session.scalar(
        select(OutboxItem.last_error)
        .where(OutboxItem.last_error.is_not(None))
        .order_by(OutboxItem.id.desc())
        .limit(1)
    )
    return value


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
