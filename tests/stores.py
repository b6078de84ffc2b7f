"""Terminal stores for tests, copied from one migrated once per test process.

Migrating a new database costs 0.1-0.2 s (Alembic); copying a migrated one costs
a millisecond, and ``open_store`` then opens it as it opens any up-to-date
terminal's. Migration itself is tested for real in ``tests/unit/store``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from kiosk.store import open_store
from kiosk.store.database import Store

_template: Path | None = None


def migrated_copy(path: Path) -> Path:
    """Put a database migrated to head at ``path`` (whose folder exists); returns ``path``."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="kite-template-"))
        template = folder / "kite.db"
        open_store(template).close()  # closing checkpoints the WAL into the main file
        _template = template
    shutil.copyfile(_template, path)
    return path


def fresh_store(path: Path) -> Store:
    """A new terminal store at ``path``, at the current schema."""
    return open_store(migrated_copy(path))
