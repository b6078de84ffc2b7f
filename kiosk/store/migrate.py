"""Alembic, driven from code: the revision graph, a database's revision, the upgrade.

The migration scripts ship inside the package (``kiosk/store/migrations``) and
are found through :mod:`importlib.resources` (:mod:`kiosk.store.revisions`), so
an installed wheel and a PyInstaller bundle find them the same way; no
``alembic.ini`` is read.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import Connection


def alembic_config(script_location: Path, connection: Connection | None = None) -> Config:
    """An Alembic configuration built in code; ``connection`` is what env.py migrates."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def script_directory(script_location: Path) -> ScriptDirectory:
    """The revisions Alembic knows of, from ``script_location``."""
    return ScriptDirectory.from_config(alembic_config(script_location))


def known_revisions(script_location: Path) -> list[str]:
    """Every revision id in the script directory, oldest first."""
    scripts = script_directory(script_location)
    return [rev.revision for rev in reversed(list(scripts.walk_revisions()))]


def head_revision(script_location: Path) -> str:
    """The single head revision (the schema :mod:`kiosk.store.models` describes)."""
    head = script_directory(script_location).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration revisions found in {script_location}")
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database, or None for a database never migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, script_location: Path, target: str = "head") -> None:
    """Bring the database to ``target`` in ONE write transaction: all of it or none of it.

    Foreign keys are off while migrating: a batch migration rebuilds a table by
    dropping the old one, which with foreign keys on would cascade-delete child
    rows. ``PRAGMA foreign_key_check`` then proves nothing was left dangling
    before the transaction commits.
    """
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        if driver is None:
            raise RuntimeError("no SQLite connection to migrate")
        driver.execute("PRAGMA foreign_keys=OFF")  # only effective outside a transaction
        try:
            writer = connection.execution_options(kite_write=True)  # BEGIN IMMEDIATE
            with writer.begin():
                command.upgrade(alembic_config(script_location, writer), target)
                dangling = writer.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if dangling:
                    raise RuntimeError(
                        f"the migration left rows without their parent: {dangling[:5]}"
                    )
        finally:
            driver.execute("PRAGMA foreign_keys=ON")
