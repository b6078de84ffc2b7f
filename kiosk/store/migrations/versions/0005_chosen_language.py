"""The language a resident chose on this terminal, kept apart from their record's.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

``residents.language`` is the facility's record, rewritten by every sign-in answer
and resident change from the server. The protocol has no item to change it, so a
resident's own choice made at this terminal is kept in ``chosen_language`` and
wins over the record here (``kiosk.languages``); it goes with the resident's
data at a wipe.

Forward only: to go back, restore a backup (see docs/store.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("chosen_language", sa.String(length=8), nullable=True))
