"""Contacts and who a resident may write to.

States: pending approval, approved, blocked by the resident, suspended by the
facility. Only an approved contact can receive a reply, and only while the
resident is not under a communication restriction (they can still read).
A resident blocks an approved contact and unblocks one they blocked; the
server learns of it through the outbox (``set_contact_blocked``) and stays
the authority: its next ``contact`` change overwrites the local state.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import audit, outbox
from kiosk.errors import Refusal
from kiosk.store.models import Contact, ContactState, Resident
from kiosk.views import ContactView

_STATE_REFUSALS = {
    ContactState.PENDING: "contact_not_approved",
    ContactState.BLOCKED: "contact_blocked",
    ContactState.SUSPENDED: "contact_suspended",
}


def to_view(contact: Contact) -> ContactView:
    return ContactView(
        contact_id=contact.id,
        display_name=contact.display_name,
        relationship=contact.relationship_label,
        state=contact.state,
        accepts_cod=contact.accepts_cod,
        state_reason=contact.state_reason,
    )


def list_contacts(
    session: Session, resident_id: str, state: ContactState | None = None
) -> list[Contact]:
    """The resident's contacts by name, optionally only those in ``state``."""
    query = select(Contact).where(Contact.resident_id == resident_id)
    if state is not None:
        query = query.where(Contact.state == state)
    return list(session.scalars(query.order_by(Contact.display_name, Contact.id)))


def owned_contact(session: Session, resident_id: str, contact_id: str) -> Contact:
    """The resident's contact ``contact_id``, or ``Refusal('not_found')``."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.resident_id != resident_id:
        raise Refusal("not_found", what="contact", id=contact_id)
    return contact


def restriction(resident: Resident, now: datetime) -> Refusal | None:
    """``Refusal('restricted', until, reason)`` while a communication restriction runs."""
    if resident.restricted_until is not None and resident.restricted_until > now:
        return Refusal(
            "restricted", until=resident.restricted_until, reason=resident.restriction_reason
        )
    return None


def message_refusal(
    session: Session, resident_id: str, contact_id: str, now: datetime
) -> Refusal | None:
    """Why the resident cannot write to this contact now, or None if they can."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        return Refusal("not_found", what="resident", id=resident_id)
    restricted = restriction(resident, now)
    if restricted is not None:
        return restricted
    contact = session.get(Contact, contact_id)
    if contact is None or contact.resident_id != resident_id:
        return Refusal("not_found", what="contact", id=contact_id)
    code = _STATE_REFUSALS.get(contact.state)
    return None if code is None else Refusal(code, contact_id=contact_id)


def set_blocked(
    session: Session, resident_id: str, contact_id: str, blocked: bool, now: datetime
) -> Contact:
    """Block an approved contact or unblock a blocked one; queued and audited with the change."""
    contact = owned_contact(session, resident_id, contact_id)
    if blocked:
        if contact.state != ContactState.APPROVED:
            raise Refusal("contact_not_blockable", state=contact.state.value)
        contact.state = ContactState.BLOCKED
    else:
        if contact.state != ContactState.BLOCKED:
            raise Refusal("contact_not_blocked", state=contact.state.value)
        contact.state = ContactState.APPROVED
    contact.updated_at = now
    outbox.enqueue(
        session,
        "set_contact_blocked",
        {"resident_id": resident_id, "contact_id": contact_id, "blocked": blocked},
        now,
    )
    audit.record(
        session,
        "block_contact" if blocked else "unblock_contact",
        resident_id,
        now,
        contact_id=contact_id,
    )
    return contact
