"""Staff see which version of Kite each device runs (issue 17): from its User-Agent."""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.version import running_version, user_agent
from tests.server.live import World


def versions(world: World) -> list[dict[str, str]]:
    """What staff see for this world's device (the facility has other tests' devices too)."""
    with world.staff() as staff:
        answer = staff.get("/v1/staff/device-versions")
    assert answer.status_code == 200, answer.text
    device_id = world.devices[0][0]
    return [row for row in answer.json() if row["device_id"] == device_id]


def test_a_devices_reported_version_is_listed_for_staff_and_follows_updates(world: World) -> None:
    with world.server.client(world.credential) as terminal:
        assert terminal.get("/v1/changes", headers={"User-Agent": "kite-terminal/2.0.0"}).is_success
    (first,) = versions(world)
    assert first["version"] == "2.0.0"

    with world.server.client(world.credential) as terminal:
        assert terminal.get("/v1/changes", headers={"User-Agent": "kite-terminal/2.0.0"}).is_success
    assert versions(world) == [first]  # the same version: the record and its time stay

    with world.server.client(world.credential) as terminal:
        assert terminal.get("/v1/changes", headers={"User-Agent": "kite-terminal/1.9.0"}).is_success
    (rolled_back,) = versions(world)
    assert rolled_back["version"] == "1.9.0"
    assert rolled_back["since"] >= first["since"]


def test_a_missing_or_malformed_user_agent_changes_nothing(world: World) -> None:
    with world.server.client(world.credential) as terminal:
        for agent in ("kite-terminal", "kite-terminal/../../etc", "curl/8.0", "kite-terminal/"):
            assert terminal.get("/v1/changes", headers={"User-Agent": agent}).is_success
    assert versions(world) == []


def test_the_terminal_names_its_release_folder_when_frozen(tmp_path: Path) -> None:
    program = tmp_path / "opt" / "kite" / "releases" / "0.3.1" / "kite"
    program.parent.mkdir(parents=True)
    program.write_text("")
    current = tmp_path / "opt" / "kite" / "current"
    current.symlink_to("releases/0.3.1")

    assert running_version(str(current / "kite"), frozen=True) == "0.3.1"
    assert running_version(sys.executable, frozen=False) != "unknown"  # the installed metadata
    assert user_agent().startswith("kite-terminal/")
