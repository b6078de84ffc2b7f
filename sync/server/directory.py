"""The facility's directory, as staff keep it: housing units, residents, families, contacts.

Everything here belongs to one facility, the staff token's: a unit, resident or
family of another facility is "not found" (the same answer as one that does not
exist), and the database's composite keys refuse a contact whose resident and
family are not of its facility. Housing-unit IDs are the facility's own; resident,
family and contact IDs are still one namespace across facilities (a clash is 409).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.errors import ApiError, not_found
from sync.server.feed import publish, unit_audience
from sync.server.models import ApiToken, Contact, FamilyAccount, HousingUnit, Resident
from sync.server.pins import hash_pin, offline_verifier
from sync.server.schemas import NewContact, NewFamily, NewHousingUnit, NewResident
from sync.server.tokens import new_token, token_hash
from sync.server.views import contact_data, resident_data


def _taken(what: str, field: str, value: str) -> ApiError:
    error = ApiError(409, "conflict", f"that {what} exists already")
    error.params = {field: value}
    return error


def add_unit(session: Session, facility_id: str, body: NewHousingUnit) -> HousingUnit:
    if session.get(HousingUnit, (facility_id, body.unit_id)) is not None:
        raise _taken("housing unit", "unit_id", body.unit_id)
    unit = HousingUnit(id=body.unit_id, facility_id=facility_id, name=body.name)
    session.add(unit)
    return unit


def add_resident(session: Session, facility_id: str, body: NewResident) -> Resident:
    unit = session.get(HousingUnit, (facility_id, body.housing_unit))
    if unit is None:
        raise not_found("housing unit")
    clash = session.execute(
        select(Resident.id).where(
            (Resident.id == body.resident_id)
            | (
                (Resident.facility_id == facility_id)
                & (Resident.facility_number == body.facility_number)
            )
        )
    ).first()
    if clash:
        raise _taken("resident", "resident_id", body.resident_id)
    resident = Resident(
        id=body.resident_id,
        facility_id=facility_id,
        facility_number=body.facility_number,
        display_name=body.display_name,
        housing_unit_id=unit.id,
        language=body.language,
        pin_hash=hash_pin(body.pin),
        offline_verifier=offline_verifier(body.pin),
        stamps=0,
        debit_cents=0,
    )
    session.add(resident)
    session.flush()
    publish(session, unit_audience(facility_id, unit.id), "resident", resident_data(resident))
    return resident


def add_family(session: Session, facility_id: str, body: NewFamily) -> str:
    """Create a family account of this facility; returns its bearer token (shown once)."""
    if session.get(FamilyAccount, body.family_id) is not None:
        raise _taken("family", "family_id", body.family_id)
    session.add(
        FamilyAccount(
            id=body.family_id,
            facility_id=facility_id,
            display_name=body.display_name,
            spent_cents=0,
        )
    )
    session.flush()
    token = new_token("kf1")
    session.add(
        ApiToken(
            token_hash=token_hash(token),
            role="family",
            facility_id=facility_id,
            family_id=body.family_id,
            label=body.display_name,
        )
    )
    return token


def add_contact(session: Session, facility_id: str, body: NewContact) -> Contact:
    resident = session.get(Resident, body.resident_id)
    if resident is None or resident.facility_id != facility_id:
        raise not_found("resident")
    family = session.get(FamilyAccount, body.family_id)
    if family is None or family.facility_id != facility_id:
        raise not_found("family")
    if session.get(Contact, body.contact_id) is not None:
        raise _taken("contact", "contact_id", body.contact_id)
    contact = Contact(
        id=body.contact_id,
        facility_id=facility_id,
        resident_id=resident.id,
        family_id=body.family_id,
        display_name=body.display_name,
        relationship=body.relationship,
        state=body.state,
        accepts_cod=body.accepts_cod,
    )
    session.add(contact)
    session.flush()
    publish(
        session,
        unit_audience(resident.facility_id, resident.housing_unit_id),
        "contact",
        contact_data(contact),
    )
    return contact
