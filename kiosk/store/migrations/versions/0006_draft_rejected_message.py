"""A draft returned by a rejection knows which reply was rejected.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

``drafts.rejected_message_id`` links the draft that a rejected reply's text came
back as to that reply, so the conversation's "Revise and send again" on the
rejected reply opens that draft and no other. Drafts from before this revision
have no link; they are still listed and open from the drafts screen.

Forward only: to go back, restore a backup (see docs/store.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("rejected_message_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_drafts_rejected_message_id_messages",
            "messages",
            ["rejected_message_id"],
            ["id"],
            ondelete="SET NULL",
        )
