"""The change feed: writing changes in cursor order, reading pages, waking long-polls.

Cursor correctness with concurrent writers: a change's ``seq`` comes from
:class:`FeedHead`, bumped with ``UPDATE ... RETURNING`` inside the writer's own
transaction. That row lock (PostgreSQL) or the database write lock (SQLite,
``BEGIN IMMEDIATE``) is held until commit, so feed rows commit in ``seq`` order:
a reader that sees ``seq = n`` committed can never later meet a new row below
``n``. A reader reads the head first and serves only rows at or below it.

Long-polls wait on :class:`FeedNotifier`, which the write session pokes after a
commit that published something, with the audiences it published to: only the
waiters reading one of those wake. They also re-read every ``poll_recheck_s`` so
writes by another process (the ``kite-central`` CLI) are seen too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from sync.protocol import KIND_SINCE_MINOR, PROTOCOL_MINOR, ContactData, PolicyDocument
from sync.server.clock import utcnow
from sync.server.errors import ApiError
from sync.server.models import FeedHead, FeedRow


def unit_audience(facility_id: str, unit_id: str) -> str:
    """A housing unit's devices; unit IDs are per facility, so the facility is part of it."""
    return f"unit:{facility_id}/{unit_id}"


def device_audience(device_id: str, enrolled_at: datetime | None) -> str:
    """One enrollment of a device: a device ID enrolled again (after a revocation) reads a
    new audience, so the commands meant for its earlier enrollment (the ``revoke`` that
    ended it) never reach the new one."""
    stamp = "" if enrolled_at is None else enrolled_at.strftime("%Y%m%dT%H%M%S%f")
    return f"device:{device_id}@{stamp}"


def facility_audience(facility_id: str) -> str:
    return f"facility:{facility_id}"


def publish(session: Session, audience: str, kind: str, data: BaseModel) -> int:
    """Append one change for ``audience``; returns its ``seq``. Call inside a write transaction.

    Under :func:`hold_head` the number comes from memory (the head is locked
    already); otherwise each change bumps the head row itself.
    """
    # Whom the commit concerns (the long-polls of these audiences wake): kept even if a
    # savepoint drops the change, which costs one needless wake-up and never misses one.
    session.info.setdefault("published_to", set()).add(audience)
    held: int | None = session.info.get(_HELD)
    if held is not None:
        seq = held + 1
        session.info[_HELD] = seq
        session.info[_PENDING].append(
            {
                "seq": seq,
                "audience": audience,
                "kind": kind,
                "data": data.model_dump_json(),
                "created_at": utcnow(),
            }
        )
        session.info["published"] = True
        return seq
    else:
        seq = session.execute(
            update(FeedHead)
            .where(FeedHead.id == 1)
            .values(seq=FeedHead.seq + 1)
            .returning(FeedHead.seq)
        ).scalar_one()
    session.add(
        FeedRow(
            seq=seq,
            audience=audience,
            kind=kind,
            data=data.model_dump_json(),
            created_at=utcnow(),
        )
    )
    session.info["published"] = True
    return int(seq)


_HELD = "feed_head_held"
_PENDING = "feed_rows_pending"


def hold_head(session: Session) -> None:
    """Lock the feed head for the rest of this transaction and number changes in memory.

    For a writer that publishes many changes (a push batch): one row lock instead
    of one ``UPDATE`` per change, and the changes kept in memory until
    :func:`store_head` inserts them all with one ``executemany``. Call it before any
    savepoint (a lock taken in a savepoint that rolls back is released on
    PostgreSQL), :func:`discard_since` when a savepoint rolls back, and
    :func:`store_head` before commit.
    """
    session.info[_PENDING] = []
    session.info[_HELD] = int(
        session.execute(
            update(FeedHead)
            .where(FeedHead.id == 1)
            .values(seq=FeedHead.seq)
            .returning(FeedHead.seq)
        ).scalar_one()
    )
    session.info[_HELD_FROM] = session.info[_HELD]


_HELD_FROM = "feed_head_held_from"


def store_head(session: Session) -> None:
    """Write the head numbered in memory since :func:`hold_head` (in the same transaction).

    Numbers used by changes of a rolled-back savepoint are simply skipped: the
    head only has to be at or above every committed row.
    """
    rows = session.info.pop(_PENDING, None)
    if rows:
        session.execute(insert(FeedRow), rows)
    seq = session.info.pop(_HELD, None)
    start = session.info.pop(_HELD_FROM, None)
    if seq is None or seq == start:
        return
    session.execute(update(FeedHead).where(FeedHead.id == 1).values(seq=seq))
    session.info["published"] = True


def pending_mark(session: Session) -> int:
    """How many changes wait for :func:`store_head` (a mark for :func:`discard_since`)."""
    return len(session.info.get(_PENDING, ()))


def discard_since(session: Session, mark: int) -> None:
    """Forget the changes published after ``mark``: their savepoint rolled back."""
    pending = session.info.get(_PENDING)
    if pending is not None:
        del pending[mark:]


def head(session: Session) -> int:
    return int(session.execute(select(FeedHead.seq).where(FeedHead.id == 1)).scalar_one())


@dataclass(frozen=True)
class Page:
    """A page already serialized as the JSON of a ``ChangesPage``, plus what the caller needs."""

    body: bytes
    count: int
    next_cursor: int


def unknown_kinds(minor: int) -> list[str]:
    """The change kinds a terminal of protocol ``1.minor`` cannot read (it refuses them)."""
    return sorted(kind for kind, since in KIND_SINCE_MINOR.items() if since > minor)


def read_page(
    session: Session,
    audiences: list[str],
    cursor: int,
    limit: int,
    minor: int = PROTOCOL_MINOR,
) -> Page:
    """The changes after ``cursor`` for these audiences, at most ``limit``, oldest first.

    A terminal of an older protocol minor gets no change of a kind added later.
    """
    top = head(session)
    if cursor > top:
        # The terminal holds a cursor this server never issued (a server restored from
        # an older backup, or another server): serving on would silently skip changes.
        raise ApiError(
            409,
            "cursor_ahead",
            "the cursor is beyond this server's feed; pull from 0 and reconcile",
            cursor=str(cursor),
            head=str(top),
        )
    query = select(FeedRow.seq, FeedRow.kind, FeedRow.data).where(
        FeedRow.seq > cursor, FeedRow.seq <= top, FeedRow.audience.in_(audiences)
    )
    hidden = unknown_kinds(minor)
    if hidden:
        query = query.where(FeedRow.kind.not_in(hidden))
    rows = session.execute(query.order_by(FeedRow.seq).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    # Nothing more for this device below the head: jump the cursor to the head so
    # the next read does not rescan other units' changes.
    next_cursor = rows[-1][0] if has_more else max(top, cursor)
    # Built by hand: each change's data was validated and serialized once, when written.
    parts = [
        f'{{"cursor":"{seq}","kind":"{kind}","data":{_for_minor(kind, data, minor)}}}'
        for seq, kind, data in rows
    ]
    body = (
        '{"changes":['
        + ",".join(parts)
        + f'],"next_cursor":"{next_cursor}","has_more":{"true" if has_more else "false"}}}'
    )
    return Page(body=body.encode(), count=len(rows), next_cursor=next_cursor)


#: The change kinds whose data gained fields after 1.0 (each model says which, since when).
_SINCE_MINOR: dict[str, type[PolicyDocument] | type[ContactData]] = {
    "policy": PolicyDocument,
    "contact": ContactData,
}


def _for_minor(kind: str, data: str, minor: int) -> str:
    """A change's data as a terminal of ``1.minor`` reads it: without newer fields."""
    model = _SINCE_MINOR.get(kind)
    newer = model.fields_since_minor(minor) if model is not None else set()
    if not newer:
        return data
    document = json.loads(data)
    return json.dumps({k: v for k, v in document.items() if k not in newer})


class FeedNotifier:
    """Wakes the waiting long-polls that a commit concerns (thread-safe to poke).

    Each waiter registers the audiences it reads (:meth:`current`) before it reads the
    feed; a commit wakes only the waiters with an audience among the ones it published
    to, so a device of one unit is not woken (and does not read the database again) for
    every write of the facility. Another process's commits are seen by the waiters'
    periodic re-read (``poll_recheck_s``).
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: dict[str, set[asyncio.Event]] = {}

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def notify(self, audiences: frozenset[str]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake, audiences)

    def _wake(self, audiences: frozenset[str]) -> None:
        for audience in audiences:
            for event in self._waiters.get(audience, ()):
                event.set()

    def current(self, scope: Iterable[str]) -> Waiter:
        """Register before reading the feed, then :meth:`wait`: no wake-up is missed."""
        event = asyncio.Event()
        audiences = frozenset(scope)
        for audience in audiences:
            self._waiters.setdefault(audience, set()).add(event)
        return Waiter(event, audiences)

    async def wait(self, waiter: Waiter, timeout: float) -> None:
        """Return when a commit for the waiter's audiences follows :meth:`current`, or
        after ``timeout`` s; the waiter is unregistered either way."""
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.event.wait(), timeout)
        finally:
            self.forget(waiter)

    def forget(self, waiter: Waiter) -> None:
        for audience in waiter.audiences:
            events = self._waiters.get(audience)
            if events is not None:
                events.discard(waiter.event)
                if not events:
                    del self._waiters[audience]

    def waiting(self) -> int:
        """How many audiences have a waiter (for tests and diagnostics)."""
        return len(self._waiters)


@dataclass(frozen=True)
class Waiter:
    event: asyncio.Event
    audiences: frozenset[str]
