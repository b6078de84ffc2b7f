"""Why staff suspended a contact (or have not approved it), as the server says (1.8).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

``contacts.state_reason`` holds the words staff gave (``ContactData.state_reason``);
the contacts screen shows them under the contact. Contacts from before this revision
have none until the server sends them again.

Forward only: to go back, restore a backup (see docs/store.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("state_reason", sa.String(500), nullable=True))
