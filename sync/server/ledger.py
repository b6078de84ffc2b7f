"""The ledger: the one authority for stamps and debit money.

A balance changes only on a resident row locked for the transaction
(:func:`lock_resident` / :func:`lock_residents`: ``SELECT ... FOR UPDATE`` on
PostgreSQL, the database write lock on SQLite, read fresh under the lock), so
checking the balance and changing it cannot interleave with another writer:
two terminals racing for the last cent cannot both win, the second waits and
then sees the first one's balance. The check comes before anything is
written, so a refusal leaves nothing behind. Each change is a ledger entry and
its feed changes, all in the caller's transaction. CHECK constraints back it up.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import DebitBalanceData, LedgerEntryData
from sync.server.clock import utcnow
from sync.server.errors import Rejection
from sync.server.feed import publish, unit_audience
from sync.server.ids import new_id
from sync.server.models import LedgerEntry, Resident
from sync.server.views import ledger_data

_LOCKED = "locked_residents"


def lock_residents(session: Session, resident_ids: Iterable[str]) -> None:
    """Lock these residents for the rest of the transaction, in id order, with one query.

    For a writer that touches the same residents many times (a push batch): later
    :func:`lock_resident` calls for them need no query. Call it before any
    savepoint (a lock taken in a savepoint that rolls back is released on PostgreSQL).
    """
    ids = sorted(set(resident_ids))
    if not ids:
        return
    locked = session.execute(
        select(Resident)
        .where(Resident.id.in_(ids))
        .order_by(Resident.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    # Kept (the identity map is weak), so each later lock_resident is a dict lookup.
    session.info.setdefault(_LOCKED, {}).update({r.id: r for r in locked})


def lock_resident(session: Session, resident_id: str) -> Resident | None:
    """The resident row, locked for this transaction on PostgreSQL (SQLite: the write lock)."""
    locked: dict[str, Resident] = session.info.setdefault(_LOCKED, {})
    if resident_id in locked:
        # Locked and loaded before; every change since went through this session.
        return locked[resident_id]
    resident = session.execute(
        select(Resident)
        .where(Resident.id == resident_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if resident is not None:
        locked[resident_id] = resident
    return resident


def hold_new_resident(session: Session, resident: Resident) -> None:
    """A resident inserted in this transaction: no one else can see the row, so it is ours."""
    session.info.setdefault(_LOCKED, {})[resident.id] = resident


def book(
    session: Session,
    resident: Resident,
    kind: str,
    *,
    stamps: int = 0,
    cents: int = 0,
    memo: str = "",
    reference: str | None = None,
) -> LedgerEntryData:
    """Apply signed deltas to a resident's balances; refuse if either would go negative.

    ``resident`` must be locked in this transaction (:func:`lock_resident`): the
    balance checked here is then the one the change is applied to.
    """
    if session.info.get(_LOCKED, {}).get(resident.id) is not resident:
        raise RuntimeError(f"book() on resident {resident.id!r} without its lock")
    if resident.debit_cents + cents < 0:
        raise Rejection("insufficient_funds", needed=-cents, have=resident.debit_cents)
    if resident.stamps + stamps < 0:
        raise Rejection("insufficient_stamps", needed=-stamps, have=resident.stamps)
    resident.stamps += stamps
    resident.debit_cents += cents
    now = utcnow()
    entry = LedgerEntry(
        id=new_id("le"),
        resident_id=resident.id,
        kind=kind,
        stamps=stamps,
        cents=cents,
        memo=memo,
        reference=reference,
        booked_at=now,
    )
    session.add(entry)
    data = ledger_data(entry)
    audience = unit_audience(resident.facility_id, resident.housing_unit_id)
    publish(session, audience, "ledger_entry", data)
    if cents:
        publish(session, audience, "debit_balance", debit_data(resident))
    return data


def debit_data(resident: Resident) -> DebitBalanceData:
    return DebitBalanceData(resident_id=resident.id, cents=resident.debit_cents, as_of=utcnow())


def deposit(session: Session, resident: Resident, cents: int, memo: str) -> LedgerEntryData:
    """Money paid into the trust account (seed, staff): an adjustment entry in cents."""
    return book(session, resident, "adjustment", cents=cents, memo=memo)
