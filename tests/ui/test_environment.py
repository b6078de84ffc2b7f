"""Nothing from outside turns the lockdown off: not KITE_MODE, not Qt's or Python's variables.

Each attack starts the real ``kite`` program (through :mod:`tests.ui.start_probe`,
which runs its whole start-up and probes the painted sign-in screen from inside)
with the attacker's environment, and checks that the lockdown still holds: the
kiosk mode, a full-screen window, no context menu and no drop reaching a field,
and the variables gone before Qt loaded. ``--windowed`` (development only, from
the command line, which only root's unit sets) shows each probe would see the
attack work.

The configuration files here are written by the test's user: root, on CI and on
the development machines (``docs/development.md``). A tablet needs a root-owned
file, which is what these tests write; the refusals chown it away from root.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import load_settings
from ui.early_settings import peek
from ui.environment import scrub

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534


def config_file(tmp_path: Path, text: str = "") -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    path = tmp_path / "kite.toml"
    path.write_text(f'data_dir = "{data}"\n{text}', encoding="utf-8")
    path.chmod(0o644)
    return path


def start(config: Path, *args: str, **env: str) -> tuple[dict[str, Any], str]:
    """The real kite start-up with ``env`` added; the probe's report and kite's stderr."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KITE_")}
    environ |= {"QT_QPA_PLATFORM": "offscreen", **env}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.start_probe", "--config", str(config), *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report, done.stderr


def locked_down(report: dict[str, Any]) -> bool:
    return report["full_screen"] and report["reached_field"] == []


def test_kite_mode_tablet_in_the_environment_leaves_the_kiosk_locked(tmp_path: Path) -> None:
    config = config_file(tmp_path)

    report, _ = start(config, KITE_MODE="tablet")

    assert report["mode"] == "kiosk"
    assert locked_down(report)
    assert "KITE_MODE" not in report["environ"]
    # The full validation after the first paint agrees, and so does the smoke test.
    smoke = subprocess.run(
        [sys.executable, "-m", "ui.main", "--smoke-test", "--config", str(config)],
        cwd=ROOT,
        env={**os.environ, "KITE_MODE": "tablet"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "smoke test passed (kiosk, en)" in smoke.stdout, smoke.stderr


def test_kite_mode_is_ignored_by_the_first_paint_read_and_the_full_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_file(tmp_path)
    monkeypatch.setenv("KITE_MODE", "tablet")
    assert peek(str(config)).mode == "kiosk"
    assert load_settings(config, explicit=True).mode == "kiosk"


def test_tablet_mode_from_the_root_owned_file_keeps_the_same_in_app_lockdown(
    tmp_path: Path,
) -> None:
    config = config_file(tmp_path, 'mode = "tablet"\n')

    report, _ = start(config)

    assert report["mode"] == "tablet"
    assert locked_down(report)  # no context (edit) menu, no drop, full screen, as a kiosk


def test_a_configuration_file_root_does_not_own_or_others_may_write_cannot_ask_for_tablet(
    tmp_path: Path,
) -> None:
    config = config_file(tmp_path, 'mode = "tablet"\n')
    assert peek(str(config)).mode == "tablet"  # root's file: the control
    config.chmod(0o666)
    assert peek(str(config)).mode == "kiosk"
    assert load_settings(config, explicit=True).mode == "kiosk"
    config.chmod(0o644)
    if os.geteuid() == 0:
        os.chown(config, NOBODY, NOBODY)  # a file the kiosk user (or anyone) could have made
    assert peek(str(config)).mode == "kiosk"
    assert load_settings(config, explicit=True).mode == "kiosk"

    report, _ = start(config, KITE_CONFIG=str(config))
    assert report["mode"] == "kiosk" and locked_down(report)


def test_qt_and_python_variables_are_gone_before_qt_loads(tmp_path: Path) -> None:
    config = config_file(tmp_path)
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    attack = {
        "QT_DEBUG_PLUGINS": "1",  # Qt reports every plugin it loads, from where
        "QT_PLUGIN_PATH": str(plugins),  # and would load them from here
        "QT_STYLE_OVERRIDE": "fusion",
        "PYTHONBREAKPOINT": "os.system",
        "LD_LIBRARY_PATH": str(plugins),  # reaches every child process
    }

    windowed, windowed_err = start(config, "--windowed", **attack)  # the control
    report, stderr = start(config, **attack)

    assert set(attack) <= set(windowed["environ"])
    assert "qt.core.library" in windowed_err  # the attack works where nothing scrubs
    assert report["environ"] == ["QT_QPA_PLATFORM"]  # kept: the value is one of the allowed
    assert "qt.core.library" not in stderr and "QFactoryLoader" not in stderr
    assert locked_down(report)


def test_scrub_keeps_the_units_own_qt_settings_and_drops_everything_else_that_steers() -> None:
    environ = {
        "QT_QPA_PLATFORM": "wayland",
        "QT_WAYLAND_DISABLE_WINDOWDECORATION": "1",
        "QT_IM_MODULE": "ibus",
        "QML2_IMPORT_PATH": "/tmp/qml",
        "PYTHONINSPECT": "1",
        "PYTHON_KEYRING_BACKEND": "evil.Backend",
        "LD_PRELOAD": "/tmp/evil.so",
        "GCONV_PATH": "/tmp",
        "KITE_FAULT": "push.after_send",
        "KITE_MODE": "tablet",
        "KITE_SERVER_URL": "https://central.example",
        "WAYLAND_DISPLAY": "wayland-0",
        "HOME": "/var/lib/kite",
    }
    removed = scrub(environ)
    assert sorted(environ) == [
        "HOME",
        "KITE_SERVER_URL",
        "QT_QPA_PLATFORM",
        "QT_WAYLAND_DISABLE_WINDOWDECORATION",
        "WAYLAND_DISPLAY",
    ]
    assert "LD_PRELOAD" in removed and "PYTHONINSPECT" in removed
    # A platform plugin the kiosk does not run on (a VNC server, the framebuffer) is dropped.
    for platform in ("vnc", "linuxfb", "eglfs", "wayland:evil"):
        unsafe = {"QT_QPA_PLATFORM": platform}
        assert scrub(unsafe) == ["QT_QPA_PLATFORM"] and unsafe == {}
