"""The database itself keeps money history honest.

The ledger and the audit log are append-only; a hold resolves exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from kiosk.store.database import Store
from kiosk.store.models import (
    AuditEvent,
    Hold,
    HoldKind,
    HoldState,
    LedgerEntry,
    LedgerKind,
    Resident,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def booked(store: Store) -> Store:
    """A resident with one ledger entry, one pending purchase hold and one audit event."""
    with store.write() as session:
        session.add(
            Resident(id="r-1", facility_number="A-1", display_name="Dana Ortiz", updated_at=NOW)
        )
        session.flush()
        session.add_all(
            [
                LedgerEntry(
                    server_id="l-1",
                    resident_id="r-1",
                    kind=LedgerKind.PURCHASE,
                    stamps=10,
                    cents=-450,
                    booked_at=NOW,
                ),
                Hold(
                    client_id="h" * 32,
                    resident_id="r-1",
                    kind=HoldKind.PURCHASE,
                    stamps=5,
                    cents=250,
                    product_id="book-5",
                    created_at=NOW,
                ),
                AuditEvent(seq=1, at=NOW, action="sign_in", prev_hash="0" * 64, hash="1" * 64),
            ]
        )
    return store


def _refused(store: Store, statement: object, code: str) -> None:
    with pytest.raises(IntegrityError, match=code), store.write() as session:
        session.execute(statement)  # type: ignore[call-overload]


def test_a_booked_ledger_entry_cannot_be_changed(booked: Store) -> None:
    _refused(booked, update(LedgerEntry).values(stamps=1000), "append_only")
    with booked.read() as session:
        assert session.scalars(select(LedgerEntry.stamps)).all() == [10]


def test_a_booked_ledger_entry_cannot_be_deleted(booked: Store) -> None:
    _refused(booked, delete(LedgerEntry), "append_only")
    with booked.read() as session:
        assert session.scalar(select(text("count(*)")).select_from(LedgerEntry)) == 1


def test_new_ledger_entries_are_still_accepted(booked: Store) -> None:
    with booked.write() as session:
        session.add(
            LedgerEntry(
                server_id="l-2", resident_id="r-1", kind=LedgerKind.SPEND, stamps=-1, booked_at=NOW
            )
        )
    with booked.read() as session:
        assert sum(session.scalars(select(LedgerEntry.stamps))) == 9


def test_the_audit_log_cannot_be_edited_or_trimmed(booked: Store) -> None:
    _refused(booked, update(AuditEvent).values(action="nothing_happened"), "append_only")
    _refused(booked, delete(AuditEvent), "append_only")
    with booked.read() as session:
        assert session.scalars(select(AuditEvent.action)).all() == ["sign_in"]


def _resolve(store: Store, state: HoldState) -> None:
    with store.write() as session:
        hold = session.scalars(select(Hold)).one()
        hold.state = state
        hold.resolved_at = NOW
        hold.reason = "confirmed" if state is HoldState.POSTED else "refused"


@pytest.mark.parametrize("state", [HoldState.POSTED, HoldState.VOIDED])
def test_a_pending_hold_resolves_once(booked: Store, state: HoldState) -> None:
    _resolve(booked, state)
    with booked.read() as session:
        assert session.scalars(select(Hold.state)).one() is state


@pytest.mark.parametrize("second", [HoldState.VOIDED, HoldState.POSTED, HoldState.PENDING])
def test_a_posted_hold_cannot_be_resolved_again(booked: Store, second: HoldState) -> None:
    _resolve(booked, HoldState.POSTED)
    _refused(booked, update(Hold).values(state=second, resolved_at=NOW), "hold_resolved_once")
    with booked.read() as session:
        assert session.scalars(select(Hold.state)).one() is HoldState.POSTED


def test_a_voided_hold_cannot_be_posted(booked: Store) -> None:
    _resolve(booked, HoldState.VOIDED)
    with pytest.raises(IntegrityError, match="hold_resolved_once"):
        _resolve(booked, HoldState.POSTED)


def test_resolving_a_hold_cannot_change_its_amount(booked: Store) -> None:
    _refused(
        booked,
        update(Hold).values(state=HoldState.POSTED, stamps=50, resolved_at=NOW),
        "hold_terms_fixed",
    )
    with booked.read() as session:
        assert session.scalars(select(Hold.stamps)).one() == 5


def test_a_pending_hold_cannot_be_edited_without_resolving(booked: Store) -> None:
    _refused(booked, update(Hold).values(cents=1), "hold_resolved_once|hold_terms_fixed")
    with booked.read() as session:
        assert session.scalars(select(Hold.cents)).one() == 250


def test_a_hold_is_never_deleted(booked: Store) -> None:
    _refused(booked, delete(Hold), "append_only")


def test_a_hold_cannot_be_created_already_resolved(booked: Store) -> None:
    with pytest.raises(IntegrityError, match="hold_not_pending"), booked.write() as session:
        session.add(
            Hold(
                client_id="g" * 32,
                resident_id="r-1",
                kind=HoldKind.SPEND,
                stamps=1,
                state=HoldState.POSTED,
                created_at=NOW,
            )
        )
