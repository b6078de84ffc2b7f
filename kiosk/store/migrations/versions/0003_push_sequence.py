"""Keep the push sequence apart from the outbox, so it never goes back.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

The outbox row id was the protocol's ``seq`` and nothing else remembered it: a
wipe emptied the outbox, new rows started again at 1, and the server refused
them (``sequence_regressed``) until the ids passed its mark. ``push_sequence``
holds the last ``seq`` handed out; it starts at the highest outbox id there is.

Forward only: to go back, restore a backup (see docs/store.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "push_sequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("server_mark", sa.Integer(), nullable=True),
        sa.Column("jumps", sa.Integer(), nullable=False),
        sa.Column("jumped_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_sequence")),
    )
    op.execute(
        "INSERT INTO push_sequence (id, last_seq, jumps) "
        "SELECT 1, COALESCE(MAX(id), 0), 0 FROM outbox"
    )
