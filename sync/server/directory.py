"""The facility's directory, as staff keep it: housing units, residents, families, contacts.

Everything here belongs to one facility, the staff token's: a unit, resident or
family of another facility is "not found" (the same answer as one that does not
exist), and the database's composite keys refuse a contact whose resident and
family are not of its facility. Staff name a housing unit (its ID is the facility's
own) and a resident's facility number (unique in the facility); the server mints
resident, family and contact IDs (:func:`sync.server.ids.new_id`), so nothing staff
type can collide with, or reveal, another facility's objects: a ``409 conflict``
only ever names a unit or a facility number of the staff's own facility.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sync.server.errors import ApiError, not_found
from sync.server.feed import publish, unit_audience
from sync.server.ids import new_id
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
            (Resident.facility_id == facility_id)
            & (Resident.facility_number == body.facility_number)
        )
    ).scalar()
    if clash is not None:  # a retry of this request, or the number is someone else's here
        error = _taken("resident", "facility_number", body.facility_number)
        error.params["resident_id"] = clash
        raise error
    resident = Resident(
        id=new_id("res"),
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


def add_family(session: Session, facility_id: str, body: NewFamily) -> FamilyAccount:
    """Create a family account of this facility (its token: :func:`issue_family_token`)."""
    family = FamilyAccount(
        id=new_id("fam"),
        facility_id=facility_id,
        display_name=body.display_name,
        spent_cents=0,
    )
    session.add(family)
    session.flush()
    return family


def issue_family_token(session: Session, facility_id: str, family_id: str) -> str:
    """A new bearer token for the family, replacing every earlier one (shown once).

    Creating a family hands out its first token this way; a retry of the creation
    (its answer was lost, so nobody holds the token it carried) gets a new one.
    """
    family = session.get(FamilyAccount, family_id)
    if family is None or family.facility_id != facility_id:
        raise not_found("family")
    session.execute(
        delete(ApiToken).where(ApiToken.role == "family", ApiToken.family_id == family_id)
    )
    token = new_token("kf1")
    session.add(
        ApiToken(
            token_hash=token_hash(token),
            role="family",
            facility_id=facility_id,
            family_id=family_id,
            label=family.display_name,
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
    contact = Contact(
        id=new_id("con"),
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
