"""What IT's status report reads from the store (``kite-admin status``).

Counts and identifiers only: never a message body, a PIN or a resident's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import device, outbox
from kiosk.outbox import SequenceReport
from kiosk.store.models import SyncCursor


@dataclass(frozen=True)
class StoreReport:
    """The store's side of the terminal's diagnostics."""

    outbox: dict[str, int]  # items by state: pending, done, failed
    cursor: str | None  # where the pull left off in the change feed
    device_id: str | None
    revoked: bool
    last_item_error: str | None
    set_aside: int = 0  # failed after repeated server errors (outbox.SET_ASIDE)
    sequence: SequenceReport | None = None  # the push sequence and its last jump
    sequence_refused: int = 0  # failed as sequence_regressed (the terminal could not recover)


def feed_cursor(session: Session) -> str | None:
    """Where the pull left off (None: nothing pulled yet)."""
    value: str | None = session.scalar(select(SyncCursor.cursor).limit(1))
    return value


def store_report(session: Session) -> StoreReport:
    """Everything the status report reads from the store, in one transaction."""
    this = device.current(session)
    return StoreReport(
        outbox=outbox.state_counts(session),
        cursor=feed_cursor(session),
        device_id=this.device_id if this else None,
        revoked=bool(this and this.revoked),
        last_item_error=outbox.last_error(session),
        set_aside=outbox.set_aside_count(session),
        sequence=outbox.sequence_report(session),
        sequence_refused=outbox.failed_count(session, outbox.SEQUENCE_REFUSED),
    )
