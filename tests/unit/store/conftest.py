"""Fixtures of the store tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store.revisions import migrations_dir


@pytest.fixture
def scripts() -> Iterator[Path]:
    """The shipped migration scripts folder."""
    with migrations_dir() as location:
        yield location
