"""The kiosk's systemd units: a hung kiosk is restarted, a crash loop ends on "call IT".

What systemd does with these settings is systemd's (``docs/it-guide.md`` says what
was checked by hand); these tests hold the settings the app's side relies on: Kite
notifies (``Type=notify``) from cage's child (``NotifyAccess=all``), the watchdog
is on, the restarts are limited, and past the limit the "call IT" text screen on
tty1 takes over, in English and Spanish, from a script that needs only a shell.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.security.test_packaging import REPO, dry_run, unit_section

CALL_IT_UNIT = REPO / "packaging" / "systemd" / "kite-call-it.service"
CALL_IT = REPO / "packaging" / "kiosk" / "call-it"


def section(path: Path, name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("["):
            current = line
        elif current == f"[{name}]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_the_kiosk_unit_waits_for_ready_and_restarts_a_hung_event_loop() -> None:
    service = unit_section()

    assert service["Type"] == ["notify"]
    assert service["NotifyAccess"] == ["all"]  # Kite is cage's child, not the main process
    assert 10 <= int(service["WatchdogSec"][0]) <= 60
    assert service["Restart"] == ["always"]


def test_a_crash_loop_ends_on_the_call_it_screen_never_a_dead_display() -> None:
    unit = unit_section("Unit")
    assert unit["OnFailure"] == ["kite-call-it.service"]
    assert int(unit["StartLimitBurst"][0]) >= 3 and int(unit["StartLimitIntervalSec"][0]) > 0
    assert "kite-call-it.service" in unit["Conflicts"][0]  # starting the kiosk again ends it

    screen = section(CALL_IT_UNIT, "Service")
    assert screen["TTYPath"] == ["/dev/tty1"] and screen["StandardOutput"] == ["tty"]
    assert screen["ExecStart"] == ["/usr/lib/kite/call-it"]
    assert screen["Restart"] == ["always"]

    shown = subprocess.run(
        ["sh", str(CALL_IT), "--print"], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    assert "THIS TERMINAL IS OUT OF ORDER" in shown and "call facility IT" in shown
    assert "ESTA TERMINAL NO FUNCIONA" in shown
    assert "systemctl reset-failed kite-kiosk" in shown


def test_the_package_lays_out_the_call_it_screen(tmp_path: Path) -> None:
    root = tmp_path / "image"
    (root / "etc").mkdir(parents=True)
    bundle = tmp_path / "dist" / "kite"
    bundle.mkdir(parents=True)
    (bundle / "kite").write_text("#!/bin/sh\nexit 0\n")
    (bundle / "kite").chmod(0o755)

    plan = dry_run(root, bundle).stdout  # it lists what the package it built holds

    assert "-rw-r--r-- root/root ./lib/systemd/system/kite-call-it.service" in plan
    assert "-rwxr-xr-x root/root ./usr/lib/kite/call-it" in plan
