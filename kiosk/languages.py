"""The language a resident reads the terminal in: their record's, or the one they chose here.

The facility's record (``residents.language``, from the server) applies at
sign-in. A resident may switch while signed in: the choice applies here at once
(``residents.chosen_language`` wins over the record), is audited, and goes to the
server as a ``set_language`` item (protocol 1.8), which changes his record, so
every terminal of his unit signs him in to it. Once no choice of his waits in the
outbox, the next record that arrives speaks alone again (:func:`record_arrived`): a
later choice made on another terminal then wins here too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import audit, outbox
from kiosk.errors import Refusal
from kiosk.store.models import OutboxItem, OutboxState, Resident

SUPPORTED = ("en", "es")


def choose_language(session: Session, resident_id: str, language: str, now: datetime) -> str:
    """Keep ``language`` as the resident's choice on this terminal; returns it."""
    if language not in SUPPORTED:
        raise ValueError(f"unsupported language {language!r}; supported: {SUPPORTED}")
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise Refusal("not_found", what="resident", id=resident_id)
    if (resident.chosen_language or resident.language) != language:
        resident.chosen_language = language
        resident.updated_at = now
        outbox.enqueue(
            session, "set_language", {"resident_id": resident_id, "language": language}, now
        )
        audit.record(session, "choose_language", resident_id, now, language=language)
    return language


def record_arrived(session: Session, resident: Resident) -> None:
    """The server's record of ``resident`` was applied: from now on it speaks.

    The choice made here is kept only while a ``set_language`` of his still waits to
    go (the record is older than the choice); once it has gone, the record carries it,
    or a later choice of his made on another terminal, which must win here too.
    """
    if resident.chosen_language is None:
        return
    waiting = session.scalars(
        select(OutboxItem.payload).where(
            OutboxItem.kind == "set_language", OutboxItem.state == OutboxState.PENDING
        )
    )
    if all(payload.get("resident_id") != resident.id for payload in waiting):
        resident.chosen_language = None
