"""The language a resident reads the terminal in: their record's, or the one they chose here.

The facility's record (``residents.language``, from the server) applies at
sign-in. A resident may switch while signed in; the protocol has no item to
change the record on the server, so the choice is kept on this terminal
(``residents.chosen_language``), wins over the record here, and is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kiosk import audit
from kiosk.errors import Refusal
from kiosk.store.models import Resident

SUPPORTED = ("en", "es")


def choose_language(session: Session, resident_id: str, language: str, now: datetime) -> str:
    """Keep ``language`` as the resident's choice on this terminal; returns it."""
    if language not in SUPPORTED:
        raise ValueError(f"unsupported language {language!r}; supported: {SUPPORTED}")
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise Refusal("not_found", what="resident", id=resident_id)
    if resident.chosen_language != language:
        resident.chosen_language = language
        resident.updated_at = now
        audit.record(session, "choose_language", resident_id, now, language=language)
    return language
