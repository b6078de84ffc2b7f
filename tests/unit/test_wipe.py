"""A wiped or revoked terminal keeps no resident's words anywhere on disk."""

from __future__ import annotations

from pathlib import Path

from kiosk.store import list_backups
from kiosk.store.backups import take_backup

from .conftest import World


def _files(db_path: Path) -> list[Path]:
    return [p for p in db_path.parent.rglob("*") if p.is_file()]


def test_wiped_text_is_not_left_in_the_database_files(world: World) -> None:
    world.ledger(2)
    world.inbound(body="Inbound secret about the family farm")
    core = world.signed_in()
    core.save_draft("c1", None, "Draft secret about the appeal")
    core.send_reply("c1", None, "Reply secret about the lawyer")
    core.end_session("sign_out")
    world.feed(("device_command", {"command": "wipe"}))
    for path in _files(world.store.path):
        data = path.read_bytes()
        for word in (b"family farm", b"the appeal", b"the lawyer"):
            assert word not in data, f"{word!r} left in {path.name}"


def test_wipe_deletes_backups_of_the_database(world: World) -> None:
    world.inbound(body="kept in a backup")
    take_backup(world.store.path, "0001")
    assert list_backups(world.store.path)
    world.feed(("device_command", {"command": "revoke"}))
    assert list_backups(world.store.path) == []
