"""Drafts: unfinished replies, kept in the store across sessions and never silently dropped."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk import audit
from kiosk.errors import Refusal
from kiosk.store.models import Contact, Draft, Message
from kiosk.views import DraftView

ORIGINS = frozenset({"typed", "rejected", "session_end"})


def to_view(draft: Draft) -> DraftView:
    return DraftView(
        draft_id=draft.id,
        contact_id=draft.contact_id,
        in_reply_to=draft.in_reply_to,
        body=draft.body,
        origin=draft.origin,
        updated_at=draft.updated_at,
        rejected_message_id=draft.rejected_message_id,
    )


def _owned(session: Session, resident_id: str, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None or draft.resident_id != resident_id:
        raise Refusal("not_found", what="draft", id=draft_id)
    return draft


def save_draft(
    session: Session,
    resident_id: str,
    contact_id: str,
    in_reply_to: int | None,
    body: str,
    now: datetime,
    *,
    draft_id: int | None = None,
    origin: str = "typed",
    rejected_message_id: int | None = None,
) -> Draft:
    """Create a draft, or update ``draft_id`` (its origin is kept), in the caller's transaction."""
    if origin not in ORIGINS:
        raise ValueError(f"draft origin {origin!r} is not one of {sorted(ORIGINS)}")
    contact = session.get(Contact, contact_id)
    if contact is None or contact.resident_id != resident_id:
        raise Refusal("not_found", what="contact", id=contact_id)
    if in_reply_to is not None:
        answered = session.get(Message, in_reply_to)
        if answered is None or answered.resident_id != resident_id:
            raise Refusal("not_found", what="message", id=in_reply_to)
    if draft_id is not None:
        draft = _owned(session, resident_id, draft_id)
        draft.contact_id = contact_id
        draft.in_reply_to = in_reply_to
        draft.body = body
        draft.updated_at = now
    else:
        draft = Draft(
            resident_id=resident_id,
            contact_id=contact_id,
            in_reply_to=in_reply_to,
            body=body,
            origin=origin,
            updated_at=now,
            rejected_message_id=rejected_message_id,
        )
        session.add(draft)
    session.flush()
    return draft


def list_drafts(session: Session, resident_id: str) -> list[Draft]:
    """The resident's drafts, most recently touched first."""
    return list(
        session.scalars(
            select(Draft)
            .where(Draft.resident_id == resident_id)
            .order_by(Draft.updated_at.desc(), Draft.id.desc())
        )
    )


def delete_draft(session: Session, resident_id: str, draft_id: int) -> None:
    """Remove a draft (sending it, or the resident discarding it)."""
    session.delete(_owned(session, resident_id, draft_id))


def discard_draft(session: Session, resident_id: str, draft_id: int, now: datetime) -> None:
    """The resident throws a draft away: an action, so it is audited (without its text)."""
    delete_draft(session, resident_id, draft_id)
    audit.record(session, "discard_draft", resident_id, now, draft_id=draft_id)
