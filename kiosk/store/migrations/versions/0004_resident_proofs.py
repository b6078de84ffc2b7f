"""Resident proofs (protocol 1.4), and an item's server errors kept with it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

A resident-scoped item is signed when it is queued, during the resident's
session, and the proof waits with it in ``outbox.proof`` until it is pushed.
``residents.proof_salt`` is what offline sign-in needs to make the offline
proof key from the PIN. Items queued before this revision have no proof; the
server refuses them (``resident_unproven``) and the resident is told.
``outbox.server_errors`` counts the 5xx answers an item got when sent alone, so
the fate query comes after the same number of them across restarts.

Forward only: to go back, restore a backup (see docs/store.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("proof", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("server_errors", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("proof_salt", sa.String(length=160), nullable=True))
