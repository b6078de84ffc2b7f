"""The ledger: the one authority for stamps and debit money.

Every balance change is a conditional ``UPDATE`` that refuses to take a
balance below zero (the check and the change are one statement, so two
terminals racing for the last cent cannot both win: on PostgreSQL the second
waits on the row lock and re-checks), plus a ledger entry and its feed
changes, all in the caller's transaction. CHECK constraints back it up.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sync.protocol import DebitBalanceData, LedgerEntryData
from sync.server.clock import utcnow
from sync.server.db import rowcount
from sync.server.errors import Rejection
from sync.server.feed import publish, unit_audience
from sync.server.ids import new_id
from sync.server.models import LedgerEntry, Resident
from sync.server.views import ledger_data


def lock_resident(session: Session, resident_id: str) -> Resident | None:
    """The resident row, locked for this transaction on PostgreSQL (SQLite: the write lock)."""
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
    changed = rowcount(
        session.execute(
            update(Resident)
            .where(
                Resident.id == resident.id,
                Resident.stamps + stamps >= 0,
                Resident.debit_cents + cents >= 0,
            )
            .values(stamps=Resident.stamps + stamps, debit_cents=Resident.debit_cents + cents)
            .execution_options(synchronize_session=False)
        )
    )
    session.refresh(resident)
    if changed != 1:
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
