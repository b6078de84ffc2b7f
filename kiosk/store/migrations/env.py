"""Alembic environment for the terminal store.

Kite runs migrations only through :mod:`kiosk.store.migrate`, which hands in an
open connection already inside ``BEGIN IMMEDIATE``: every pending revision then
runs in that one transaction (SQLite DDL is transactional), so an upgrade
either completes or leaves the file as it was.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from kiosk.store.models import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "Kite's migrations run through kiosk.store.migrate with an open connection, "
        "not from the alembic command line."
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
    render_as_batch=True,
    compare_type=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
