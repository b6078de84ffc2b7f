"""Which schema revisions this Kite ships, read cheaply (without importing Alembic).

Opening an up-to-date database only needs to know the shipped revision ids,
and importing Alembic costs more than the rest of the open. So the ids come
from the script file names, which follow one rule: ``versions/NNNN_slug.py``
holds revision ``NNNN``, each revising the one before (a straight line).
``tests/unit/store/test_revisions.py`` holds this view equal to Alembic's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

SCRIPT_NAME = re.compile(r"^(?P<revision>\d{4})_\w+\.py$")


@contextmanager
def migrations_dir() -> Iterator[Path]:
    """The folder holding ``env.py`` and ``versions/``, as a real path for Alembic."""
    traversable = resources.files("kiosk.store").joinpath("migrations")
    with resources.as_file(traversable) as path:
        yield Path(path)


def shipped_revisions(script_location: Path) -> list[str]:
    """Every revision id under ``script_location``, oldest first (the last one is head)."""
    found = []
    for script in (script_location / "versions").iterdir():
        match = SCRIPT_NAME.match(script.name)
        if match:
            found.append(match.group("revision"))
    if not found:
        raise RuntimeError(f"no migration scripts in {script_location / 'versions'}")
    return sorted(found)
