"""Contacts: listing by state, blocking and unblocking, who may be written to."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.errors import Refusal
from kiosk.store.models import ContactState, OutboxItem

from .conftest import World


def test_contacts_are_listed_by_name_and_filtered_by_state(world: World) -> None:
    world.contact("c2", name="Beto", state="pending")
    world.contact("c3", name="Carla", state="suspended")
    core = world.signed_in()
    assert [c.display_name for c in core.contacts()] == ["Beto", "Carla", "Maria"]
    assert [c.contact_id for c in core.contacts(ContactState.PENDING)] == ["c2"]


def test_blocking_a_contact_is_queued_for_the_server_and_stops_replies(world: World) -> None:
    world.ledger(1)
    core = world.signed_in()
    assert core.block_contact("c1").state == ContactState.BLOCKED
    with world.store.read() as db:
        item = db.scalars(select(OutboxItem).where(OutboxItem.kind == "set_contact_blocked")).one()
    assert item.payload == {"resident_id": "r1", "contact_id": "c1", "blocked": True}
    with pytest.raises(Refusal, match="contact_blocked"):
        core.quote("c1", None, "Hi")
    assert core.unblock_contact("c1").state == ContactState.APPROVED
    assert core.quote("c1", None, "Hi").stamps == 1


def test_only_approved_contacts_can_be_blocked(world: World) -> None:
    world.contact("c2", state="suspended")
    core = world.signed_in()
    with pytest.raises(Refusal) as refused:
        core.block_contact("c2")
    assert (refused.value.code, refused.value.params) == (
        "contact_not_blockable",
        {"state": "suspended"},
    )


def test_another_residents_contact_is_not_found(world: World) -> None:
    world.resident("r2", number="A2002", name="Beatriz")
    world.contact("c9", resident_id="r2")
    core = world.signed_in()
    with pytest.raises(Refusal, match="not_found"):
        core.block_contact("c9")


def test_server_contact_change_overrides_a_local_block(world: World) -> None:
    core = world.signed_in()
    core.block_contact("c1")
    world.contact(state="suspended")
    assert core.contacts()[0].state == ContactState.SUSPENDED
