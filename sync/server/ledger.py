"""The ledger: the one authority for stamps and debit money.

Every balance change is a conditional ``UPDATE`` that refuses to take a
balance below zero (the check and the change are one statement, so two
terminals racing for the last cent cannot both win: on PostgreSQL the second
waits on the row lock and re-checks), plus a ledger entry and its feed
changes, all in the caller's transaction. CHECK constraints back it up.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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
    session.execute(
        select(Resident)
        .where(Resident.id.in_(ids))
        .order_by(Resident.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars().all()
    session.info.setdefault(_LOCKED, set()).update(ids)


def lock_resident(session: Session, resident_id: str) -> Resident | None:
    """The resident row, locked for this transaction on PostgreSQL (SQLite: the write lock)."""
    if resident_id in session.info.get(_LOCKED, ()):
        # Locked and loaded by lock_residents; every change since went through this session.
        return session.get(Resident, resident_id)
    return session.execute(
        select(Resident)
        .where(Resident.id == resident_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


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
    """Apply signed deltas to a resident's balances; refuse if either would go negative."""
    balances = session.execute(
        update(Resident)
        .where(
            Resident.id == resident.id,
            Resident.stamps + stamps >= 0,
            Resident.debit_cents + cents >= 0,
        )
        .values(stamps=Resident.stamps + stamps, debit_cents=Resident.debit_cents + cents)
        .returning(Resident.stamps, Resident.debit_cents)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if balances is not None:
        # The new balances, as stored (no second query to refresh the object).
        set_committed_value(resident, "stamps", balances.stamps)
        set_committed_value(resident, "debit_cents", balances.debit_cents)
    else:
        session.refresh(resident)
        if resident.debit_cents + cents < 0:
            raise Rejection("insufficient_funds", needed=-cents, have=resident.debit_cents)
        raise Rejection("insufficient_stamps", needed=-stamps, have=resident.stamps)
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
    audience = unit_audience(resident.housing_unit_id)
    publish(session, audience, "ledger_entry", data)
    if cents:
        publish(session, audience, "debit_balance", debit_data(resident))
    return data


def debit_data(resident: Resident) -> DebitBalanceData:
    return DebitBalanceData(resident_id=resident.id, cents=resident.debit_cents, as_of=utcnow())


def deposit(session: Session, resident: Resident, cents: int, memo: str) -> LedgerEntryData:
    """Money paid into the trust account (seed, staff): an adjustment entry in cents."""
    return book(session, resident, "adjustment", cents=cents, memo=memo)
