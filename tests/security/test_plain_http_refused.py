"""A terminal never talks to a server across the network in clear text.

The attack: IT (or whoever edits the image) points a terminal at
``http://central.example``; device credentials, PINs and residents' messages
would then cross the facility network readable by anyone on it. Both programs
that read the configuration, ``kite-admin`` and the kiosk app, refuse to start
with a message naming the setting and the URL; plain ``http://`` to this machine
(the demo, the tests) and ``https://`` anywhere stay allowed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_settings
from sync import admin

ROOT = Path(__file__).resolve().parents[2]
REMOTE = ["http://central.example:8470", "http://10.20.0.5:8470", "http://[fd00::5]:8470"]
ALLOWED = [
    "http://127.0.0.1:8470",
    "http://127.9.9.9",
    "http://localhost:8470",
    "http://[::1]:8470",
    "https://central.example:8470",
    "https://10.20.0.5",
]


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "kite.toml"
    path.write_text(f'server_url = "{url}"\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("url", REMOTE)
def test_plain_http_to_another_machine_is_refused_naming_the_key_and_url(
    tmp_path: Path, url: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_config(tmp_path, url), explicit=True)
    message = str(caught.value)
    assert f"key 'server_url' has value '{url}'" in message
    assert "http:// is allowed only for a server on this machine" in message
    assert "use https://" in message


@pytest.mark.parametrize("url", ALLOWED)
def test_loopback_http_and_https_anywhere_are_accepted(tmp_path: Path, url: str) -> None:
    assert load_settings(_config(tmp_path, url), explicit=True).server_url == url


def test_plain_http_from_the_environment_is_refused_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KITE_SERVER_URL", "http://central.example")
    with pytest.raises(ConfigError, match="environment variable KITE_SERVER_URL"):
        load_settings(_config(tmp_path, "https://central.example"), explicit=True)


def test_kite_admin_refuses_a_plain_http_server_on_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, "http://central.example:8470")
    for command in ("status", "enroll", "sync"):
        assert admin.main(["--config", str(config), command]) == admin.EXIT_FAILED
        err = capsys.readouterr().err
        assert f"kite-admin {command}: Configuration refused" in err
        assert "key 'server_url' has value 'http://central.example:8470'" in err
    assert not (tmp_path / "data").exists()  # refused before anything was made
    monkeypatch.setenv("KITE_SERVER_URL", "http://127.0.0.1:8470")  # the demo's URL is fine
    assert admin.main(["--config", str(config), "status"]) == admin.EXIT_OK


def test_the_kiosk_app_refuses_a_plain_http_server_on_the_network(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://central.example:8470")
    done = subprocess.run(
        [sys.executable, "-m", "ui.main", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "key 'server_url' has value 'http://central.example:8470'" in done.stderr
    assert "http:// is allowed only for a server on this machine" in done.stderr
