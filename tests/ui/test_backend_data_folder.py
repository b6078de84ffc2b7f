"""The terminal refuses to start on a missing data folder instead of making an empty database."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import Settings
from kiosk.store.database import StoreError
from ui.backend import open_backend


def test_terminal_refuses_a_missing_data_folder_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    unmounted = tmp_path / "mnt" / "kite"  # the data disk is not mounted
    settings = Settings(data_dir=unmounted)
    with pytest.raises(StoreError) as caught:
        open_backend(settings)
    assert str(unmounted) in str(caught.value)
    assert "does not exist" in str(caught.value)
    assert not unmounted.exists()
    assert not (tmp_path / "mnt").exists()
