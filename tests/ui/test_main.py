"""The ``kite`` command: a bad configuration stops it with a message and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.store import cipher, open_store
from tests import sealed
from ui.early_settings import peek

ROOT = Path(__file__).resolve().parents[2]


def _kite(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.main", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
        check=False,
    )


def test_unknown_config_key_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{tmp_path}"\nbogus = 1\n', encoding="utf-8")
    done = _kite("--config", str(config))
    assert done.returncode == 2
    assert "unknown key 'bogus'" in done.stderr


def test_missing_named_config_exits_2(tmp_path: Path) -> None:
    done = _kite("--config", str(tmp_path / "nowhere.toml"))
    assert done.returncode == 2
    assert "no such configuration file" in done.stderr


def test_sign_in_paints_and_exits_cleanly(tmp_path: Path) -> None:
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{tmp_path}"\nlanguage = "es"\n', encoding="utf-8")
    assert _kite("--config", str(config), "--exit-on-first-paint").returncode == 0


def test_first_paint_language_follows_the_environment_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "kite.toml"
    config.write_text('mode = "tablet"\nlanguage = "es"\n', encoding="utf-8")
    assert peek(str(config)).mode == "tablet"
    assert peek(str(config)).language == "es"
    monkeypatch.setenv("KITE_LANGUAGE", "en")
    assert peek(str(config)).language == "en"
    assert peek(str(tmp_path / "missing.toml")).mode == "kiosk"


def test_smoke_test_migrates_the_store_paints_sign_in_and_exits_silently(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{data}"\nlanguage = "es"\n', encoding="utf-8")
    env_display = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    done = subprocess.run(
        [sys.executable, "-m", "ui.main", "--smoke-test", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env_display,  # no platform chosen: the smoke test must pick offscreen itself
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "smoke test passed" in done.stdout
    assert (data / "kite.db").is_file()
    assert not cipher.is_plain(data / "kite.db")  # created encrypted, as the kiosk's
    key = sealed.keyring_of(data).store_key()
    open_store(data / "kite.db", key).close()  # at the current schema: opens without migrating
    assert _kite("--smoke-test", "--config", str(config)).returncode == 0  # and opens again


def test_smoke_test_fails_on_a_bad_configuration(tmp_path: Path) -> None:
    config = tmp_path / "kite.toml"
    config.write_text(f'data_dir = "{tmp_path}"\nmode = "arcade"\n', encoding="utf-8")
    done = _kite("--smoke-test", "--config", str(config))
    assert done.returncode == 2
    assert "mode" in done.stderr
