"""The terminal's cache of residents: written from sign-in answers and the change feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.models import Resident

MAX_NUMBER_CHARS = 32


def upsert(
    session: Session,
    resident_id: str,
    facility_number: str,
    display_name: str,
    now: datetime,
    *,
    housing_unit: str = "",
    language: str = "en",
    restricted_until: datetime | None = None,
    restriction_reason: str | None = None,
) -> Resident:
    """Create or update a resident; the offline verifier and local counters are kept."""
    clash = session.scalars(
        select(Resident).where(
            Resident.facility_number == facility_number, Resident.id != resident_id
        )
    ).first()
    if clash is not None:
        # The facility reassigned the number: the old holder keeps their data but can no
        # longer sign in offline with it.
        clash.facility_number = f"#{clash.id}"[:MAX_NUMBER_CHARS]
        clash.pin_verifier = None
        session.flush()
    resident = session.get(Resident, resident_id)
    if resident is None:
        resident = Resident(id=resident_id, failed_attempts=0)
        session.add(resident)
    resident.facility_number = facility_number
    resident.display_name = display_name
    resident.housing_unit = housing_unit
    resident.language = language
    resident.restricted_until = restricted_until
    resident.restriction_reason = restriction_reason
    resident.updated_at = now
    session.flush()
    return resident
