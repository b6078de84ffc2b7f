"""When a resident acknowledged the review and retention notice on this terminal.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04

``residents.notice_seen_at`` is set when the resident taps "I understand" under the
notice that facility staff read messages and how long they are kept
(``kiosk.notice``). The notice shows at sign-in until then, once per resident: the
next resident at the same terminal still sees it. Residents from before this
revision have none, so each sees the notice once more.

Forward only: to go back, restore a backup (see docs/store.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("notice_seen_at", sa.DateTime(), nullable=True))
