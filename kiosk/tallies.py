"""What this terminal believes, per resident: the figures a reconcile compares with the server.

The figures are the ones the resident sees (``kiosk.stamps``): confirmed stamps
and the latest debit snapshot, plus how many of the server's messages are held.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk import stamps
from kiosk.store.models import Message, Resident


@dataclass(frozen=True)
class Tally:
    """One resident's figures on this terminal."""

    resident_id: str
    stamps: int
    debit_cents: int
    messages: int


def per_resident(session: Session) -> list[Tally]:
    """Every resident this terminal holds, by resident ID, with their figures."""
    residents = list(session.scalars(select(Resident.id).order_by(Resident.id)))
    messages = dict(
        session.execute(
            select(Message.resident_id, func.count())
            .where(Message.server_id.is_not(None))
            .group_by(Message.resident_id)
        ).all()
    )
    tallies: list[Tally] = []
    for rid in residents:
        debit = stamps.latest_debit(session, rid)
        tallies.append(
            Tally(
                resident_id=rid,
                stamps=max(0, stamps.confirmed(session, rid)),
                debit_cents=max(0, debit.cents if debit is not None else 0),
                messages=int(messages.get(rid, 0)),
            )
        )
    return tallies
