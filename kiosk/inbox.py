"""Reading messages: the conversation list, keyset-paged inbox and threads, read and hide.

Paging never uses OFFSET: a page ends at a :class:`kiosk.views.PageCursor`
(sort time, id) and the next page asks for rows strictly older than it, so a
deep page of a 50,000-message resident costs what the first one does. The
queries follow the indexes ``ix_messages_inbox`` (resident, hidden, sort_at),
``ix_messages_thread`` (resident, contact, sort_at) and the partial
``ix_messages_unread``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, false, func, select, text, tuple_
from sqlalchemy.orm import Session

from kiosk import audit, contacts, outbox
from kiosk.errors import Refusal
from kiosk.store.models import Direction, Message, MessageEvent
from kiosk.views import (
    ConversationView,
    MediaItem,
    MessagePage,
    MessageView,
    PageCursor,
    StatusStep,
)

MAX_PAGE = 200


def message_view(message: Message, timeline: Sequence[MessageEvent] = ()) -> MessageView:
    return MessageView(
        message_id=message.id,
        contact_id=message.contact_id,
        direction=message.direction,
        body=message.body,
        sort_at=message.sort_at,
        media=tuple(
            MediaItem(
                kind=str(m.get("kind", "")),
                media_id=str(m.get("id", "")),
                caption=str(m.get("caption") or ""),
            )
            for m in (message.media or [])
        ),
        has_return_stamp=message.has_return_stamp,
        return_stamp_used=message.return_stamp_used,
        read_at=message.read_at,
        status=message.status,
        status_reason=message.status_reason,
        payment=message.payment,
        stamps_cost=message.stamps_cost,
        in_reply_to=message.in_reply_to,
        timeline=tuple(StatusStep(e.status, e.at, e.reason) for e in timeline),
    )


def _timelines(session: Session, messages: Sequence[Message]) -> dict[int, list[MessageEvent]]:
    outbound = [m.id for m in messages if m.direction == Direction.OUTBOUND]
    found: dict[int, list[MessageEvent]] = defaultdict(list)
    if outbound:
        for event in session.scalars(
            select(MessageEvent)
            .where(MessageEvent.message_id.in_(outbound))
            .order_by(MessageEvent.id)
        ):
            found[event.message_id].append(event)
    return found


def _views(session: Session, messages: Sequence[Message]) -> tuple[MessageView, ...]:
    timelines = _timelines(session, messages)
    return tuple(message_view(m, timelines.get(m.id, ())) for m in messages)


def _page(
    session: Session, query: Select[Message], before: PageCursor | None, limit: int
) -> MessagePage:
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"page limit {limit} must be 1-{MAX_PAGE}")
    if before is not None:
        query = query.where(
            tuple_(Message.sort_at, Message.id) < tuple_(before.sort_at, before.message_id)
        )
    rows = list(
        session.scalars(query.order_by(Message.sort_at.desc(), Message.id.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = PageCursor(rows[-1].sort_at, rows[-1].id) if more and rows else None
    return MessagePage(_views(session, rows), cursor)


def inbox_page(
    session: Session, resident_id: str, before: PageCursor | None = None, limit: int = 50
) -> MessagePage:
    """Every visible message of the resident, newest first."""
    query = select(Message).where(Message.resident_id == resident_id, Message.hidden == false())
    return _page(session, query, before, limit)


def thread_page(
    session: Session,
    resident_id: str,
    contact_id: str,
    before: PageCursor | None = None,
    limit: int = 50,
) -> MessagePage:
    """One contact's visible messages, newest first, with the outbound status timelines."""
    query = select(Message).where(
        Message.resident_id == resident_id,
        Message.contact_id == contact_id,
        Message.hidden == false(),
    )
    return _page(session, query, before, limit)


# Spelled literally so SQLite can match the partial index ix_messages_unread (a bound
# parameter in its place would not prove the index's WHERE clause).
_UNREAD = text("messages.direction = 'inbound' AND messages.read_at IS NULL")


_HIDDEN_UNREAD = text(
    "SELECT contact_id, count(*) FROM messages INDEXED BY ix_messages_inbox "
    "WHERE resident_id = :resident_id AND hidden = 1 "
    "AND direction = 'inbound' AND read_at IS NULL GROUP BY contact_id"
)


def _unread_by_contact(session: Session, resident_id: str) -> dict[str, int]:
    """Unread inbound messages per contact, hidden ones excluded, from two index scans."""
    counts = session.execute(
        select(Message.contact_id, func.count())
        .where(Message.resident_id == resident_id, _UNREAD)
        .group_by(Message.contact_id)
    ).all()
    unread = {str(contact): int(n) for contact, n in counts}
    # Hidden unread rows are rare: find them through (resident, hidden), never by visiting
    # every unread row (SQLite would otherwise pick the partial index and check each one).
    hidden = session.execute(_HIDDEN_UNREAD, {"resident_id": resident_id}).all()
    for contact, n in hidden:
        unread[str(contact)] -= int(n)
    return unread


def conversations(session: Session, resident_id: str) -> list[ConversationView]:
    """One entry per contact with a visible message, most recent conversation first."""
    unread = _unread_by_contact(session, resident_id)
    result: list[ConversationView] = []
    for contact in contacts.list_contacts(session, resident_id):
        last = session.scalars(
            select(Message)
            .where(
                Message.resident_id == resident_id,
                Message.contact_id == contact.id,
                Message.hidden == false(),
            )
            .order_by(Message.sort_at.desc(), Message.id.desc())
            .limit(1)
        ).first()
        if last is None:
            continue
        result.append(
            ConversationView(
                contacts.to_view(contact),
                int(unread.get(contact.id, 0)),
                _views(session, [last])[0],
            )
        )
    result.sort(
        key=lambda c: c.last_message.sort_at if c.last_message else datetime.min, reverse=True
    )
    return result


def owned_message(session: Session, resident_id: str, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or message.resident_id != resident_id:
        raise Refusal("not_found", what="message", id=message_id)
    return message


def get_message(session: Session, resident_id: str, message_id: int) -> MessageView:
    return _views(session, [owned_message(session, resident_id, message_id)])[0]


def mark_read(session: Session, resident_id: str, message_id: int, now: datetime) -> Message:
    """Mark an inbound message read once; queue ``mark_read`` and audit it with the change."""
    message = owned_message(session, resident_id, message_id)
    if message.direction != Direction.INBOUND or message.read_at is not None:
        return message
    message.read_at = now
    outbox.enqueue(
        session,
        "mark_read",
        {
            "resident_id": resident_id,
            "message_id": message.server_id,
            "read_at": outbox.wire_time(now),
        },
        now,
    )
    audit.record(session, "read_message", resident_id, now, message_id=message.server_id)
    return message


def mark_many_read(
    session: Session, resident_id: str, message_ids: Sequence[int], now: datetime
) -> list[int]:
    """Mark several inbound messages read in the caller's one transaction.

    The wire keeps one ``mark_read`` item per message (``docs/protocol.md``), but
    the whole batch commits at once. Returns the ids that became read now.
    """
    changed: list[int] = []
    for message_id in dict.fromkeys(message_ids):  # once each, in the order given
        message = owned_message(session, resident_id, message_id)
        if message.direction == Direction.INBOUND and message.read_at is None:
            mark_read(session, resident_id, message_id, now)
            changed.append(message_id)
    return changed


def hide(session: Session, resident_id: str, message_id: int, now: datetime) -> Message:
    """Hide a message from the resident's views; queue ``hide_message`` and audit it."""
    message = owned_message(session, resident_id, message_id)
    if message.hidden:
        return message
    message.hidden = True
    wire_id = message.server_id or message.client_id
    outbox.enqueue(
        session, "hide_message", {"resident_id": resident_id, "message_id": wire_id}, now
    )
    audit.record(session, "hide_message", resident_id, now, message_id=wire_id)
    return message
