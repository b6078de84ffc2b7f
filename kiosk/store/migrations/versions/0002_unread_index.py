"""Index unread inbound messages, for the unread badges shown on every screen.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The home and contact screens count a resident's unread messages per contact
on every visit. With ix_messages_inbox alone that walks all of the resident's
messages; this partial index holds only the unread inbound ones, so the count
stays small however long the history grows.

Forward only: to go back, restore a backup (see docs/store.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_unread",
        "messages",
        ["resident_id", "contact_id"],
        sqlite_where=sa.text("direction = 'inbound' AND read_at IS NULL"),
    )
