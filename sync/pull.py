"""Pull: read the change feed from the stored cursor; apply each page and the cursor together.

A page is read strictly (``sync.validation.parse_answer``: bounded depth and
size, no repeated keys) and validated whole against
``sync.protocol.ChangesPage`` before anything of it is applied. A page that
fails (malformed, oversized, contradictory cursors, a ``next_cursor`` behind
the cursor asked for, a ledger entry the core finds implausible) is refused
whole and logged, the cursor stays where
it was, and the next round asks again; the terminal keeps working on what it
has. A valid page is applied through ``kiosk.feed.apply_page`` and the
cursor advanced in the same transaction, so a crash leaves either both or
neither; applying the same page twice changes nothing; the cursor never moves
back. One round reads at most :data:`MAX_PAGES_PER_ROUND` pages.

Device commands are obeyed inside that transaction too (``kiosk.wipe``):
``wipe`` removes resident data, ``revoke`` also records the revocation (the
worker then drops the credential, at once or at the next start).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk import feed
from kiosk.changes import Changes, of_feed
from kiosk.clock import Clock, utcnow
from kiosk.errors import ServerDataError
from kiosk.store import IntegrityError, Store
from sync import faults
from sync.client import SyncClient
from sync.errors import InvalidResponse, RequestRefused
from sync.protocol import MAX_CHANGES_LIMIT, Change, ChangesPage, DeviceCommandChange
from sync.validation import parse_answer

log = logging.getLogger(__name__)

FEED_SCOPE = feed.FEED_SCOPE
#: Pages one round reads at most (500 changes each: a backlog of 100,000 changes).
#: A server that says ``has_more`` for ever cannot keep a round, or kite-admin, busy.
MAX_PAGES_PER_ROUND = 200


@dataclass
class PullReport:
    """What one pull did."""

    pages: int = 0
    changes: int = 0
    cursor: str | None = None
    caught_up: bool = False
    wiped: bool = False
    revoked: bool = False
    rewound: bool = False  # the server did not know our cursor: read again from its start
    changed: Changes = field(default=Changes.NONE)  # the kinds of data the pages touched


def _position(cursor: str | None) -> int:
    return int(cursor) if cursor else 0


def validate_page(raw: bytes, cursor: str | None) -> ChangesPage:
    """The page, or :class:`InvalidResponse` naming why it is refused whole."""
    page = parse_answer(raw, ChangesPage, "change page")
    if _position(page.next_cursor) < _position(cursor):
        raise InvalidResponse(
            f"change page would move the cursor back: next_cursor {page.next_cursor!r} is "
            f"behind the cursor asked for ({cursor!r})"
        )
    positions = [_position(c.cursor) for c in page.changes]
    newest = max(positions, default=None)
    if newest is not None and _position(page.next_cursor) < newest:
        raise InvalidResponse(
            f"change page is contradictory: next_cursor {page.next_cursor!r} is behind "
            f"its own changes (up to {newest})"
        )
    if positions != sorted(positions):
        raise InvalidResponse("change page is contradictory: changes are not in cursor order")
    return page


def apply_page(
    store: Store, page: ChangesPage, *, clock: Clock = utcnow, report: PullReport | None = None
) -> PullReport:
    """Apply one validated page and store its cursor, in one transaction."""
    report = report or PullReport()
    now = clock()
    try:
        commands = _apply_in_one_transaction(store, page, now)
    except (ServerDataError, ValueError, KeyError, IntegrityError) as exc:
        # Valid on the wire, but the core cannot take it (a message for an unknown
        # contact, a policy the core refuses...): refuse the whole page, as for a
        # malformed one; the cursor stays, and the next round asks again.
        log.error("refused a change page the core cannot apply: %s", exc)
        raise InvalidResponse(f"change page cannot be applied: {exc}") from exc
    faults.point("pull.after_apply")
    report.wiped = report.wiped or bool(commands)
    report.revoked = report.revoked or "revoke" in commands
    report.pages += 1
    report.changes += len(page.changes)
    report.changed |= of_feed(c.kind for c in page.changes)
    report.cursor = page.next_cursor
    return report


def _apply_in_one_transaction(store: Store, page: ChangesPage, now: datetime) -> list[str]:
    commands: list[str] = [
        c.data.command for c in page.changes if isinstance(c, DeviceCommandChange)
    ]
    for command in commands:
        # Obeyed in the page's transaction (kiosk.wipe; revoke also stamps revoked_at).
        log.warning("device command from the server: %s", command)
    feed.apply_page(
        store,
        map(_plain, page.changes),
        page.next_cursor,
        now,
        before_commit=lambda: faults.point("pull.during_apply"),
    )
    return commands


def _plain(change: Change) -> dict[str, Any]:
    """A validated change as ``kiosk.feed`` takes it: plain values."""
    if change.kind == "message":
        # The bulk of a backlog: a model's __dict__ is its field mapping, read as is
        # (model_dump copies it, and a backlog has 10,000 of them).
        return {"kind": "message", "data": change.data.__dict__}
    return {"kind": change.kind, "data": change.data.model_dump()}


def pull_page(
    store: Store,
    client: SyncClient,
    *,
    clock: Clock = utcnow,
    limit: int = 500,
    wait_s: int = 0,
    report: PullReport | None = None,
) -> tuple[PullReport, bool]:
    """Fetch, validate and apply one page; returns the report and ``has_more``.

    With a ``report`` that has applied pages already, the page after the cursor
    that the last of them stored is asked for, without reading it back.
    """
    report = report or PullReport()
    cursor = report.cursor if report.pages else feed.current_cursor(store, FEED_SCOPE)
    size = max(1, min(limit, MAX_CHANGES_LIMIT))
    try:
        raw = client.changes(cursor, size, wait_s)
    except RequestRefused as refused:
        if refused.code != "cursor_ahead":
            raise
        # The server never issued this cursor: it was restored from an older backup, or
        # its feed was rebuilt. Reading its feed again from the start is safe (applying a
        # change twice changes nothing) and brings back whatever it still has.
        log.warning(
            "the server does not know feed cursor %r; reading its feed from the start", cursor
        )
        feed.forget_cursor(store, FEED_SCOPE)
        report.rewound = True
        cursor = None
        raw = client.changes(cursor, size, wait_s)
    try:
        page = validate_page(raw, cursor)
    except InvalidResponse:
        log.error("refused a change page after cursor %r (%d bytes)", cursor, len(raw))
        raise
    faults.point("pull.after_fetch")
    apply_page(store, page, clock=clock, report=report)
    stuck = page.has_more and not page.changes and page.next_cursor == cursor
    return report, page.has_more and not stuck


def pull_until_caught_up(
    store: Store,
    client: SyncClient,
    *,
    clock: Clock = utcnow,
    limit: int = 500,
    wait_s: int = 0,
    max_pages: int = MAX_PAGES_PER_ROUND,
    should_stop: Callable[[], bool] = lambda: False,
) -> PullReport:
    """Pull pages until the server says there is no more (long-polling on the first).

    At most ``max_pages`` pages: a server that says ``has_more`` for ever ends the
    round there (``caught_up`` stays False), and the next round goes on from the
    stored cursor.
    """
    report = PullReport()
    wait = wait_s
    for _ in range(max_pages):
        _, has_more = pull_page(store, client, clock=clock, limit=limit, wait_s=wait, report=report)
        if report.revoked or not has_more or should_stop():
            report.caught_up = not has_more
            break
        wait = 0  # a backlog: fetch the next page at once
    else:
        log.warning("pull round ended after %d pages; the next round goes on", max_pages)
    return report
