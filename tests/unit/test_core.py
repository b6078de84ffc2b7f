"""The facade the screens use: plain values out, refusals as codes, safe from worker threads."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from kiosk.errors import Refusal
from kiosk.store.models import AuditEvent

from .conftest import World


def test_every_answer_is_a_frozen_value_not_a_database_row(world: World) -> None:
    world.ledger(1)
    world.inbound()
    core = world.signed_in()
    answers = [
        core.resident(),
        core.balances(),
        core.conversations()[0],
        core.inbox_page(),
        core.contacts()[0],
        core.quote("c1", None, "Hi"),
        core.send_reply("c1", None, "Hi"),
        core.save_draft("c1", None, "later"),
        core.facility_status(),
    ]
    for answer in answers:
        assert dataclasses.is_dataclass(answer)
        with pytest.raises(dataclasses.FrozenInstanceError):
            answer.__setattr__(dataclasses.fields(answer)[0].name, None)


def test_resident_actions_need_a_session(world: World) -> None:
    core = world.core()
    for action in (core.balances, core.drafts, core.conversations, lambda: core.buy_stamps("x")):
        with pytest.raises(Refusal, match="not_signed_in"):
            action()


def test_facility_status_says_when_it_opens_again(world: World) -> None:
    world.policy(hours=[{"weekday": 1, "opens": "10:00", "closes": "11:00"}])
    status = world.core().facility_status()
    assert not status.open_now
    assert status.next_opening == world.clock() + timedelta(days=1, hours=1)


def test_products_come_from_the_facility_policy(world: World) -> None:
    products = world.core().products()
    assert [(p.product_id, p.stamps, p.price_cents) for p in products] == [
        ("single", 1, 50),
        ("book10", 10, 450),
    ]


def test_discarding_a_draft_is_audited_without_its_text(world: World) -> None:
    core = world.signed_in()
    draft = core.save_draft("c1", None, "private thought")
    core.delete_draft(draft.draft_id)
    assert core.drafts() == ()
    with world.store.read() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "discard_draft")).one()
    assert "private thought" not in str(event.details)


def test_concurrent_sends_from_worker_threads_never_overspend(world: World) -> None:
    world.ledger(30)
    core = world.signed_in()
    refusals: list[str] = []
    errors: list[BaseException] = []

    def send_ten() -> None:
        for i in range(10):
            try:
                core.send_reply("c1", None, f"reply {i}")
            except Refusal as refusal:
                refusals.append(refusal.code)
            except BaseException as exc:  # re-raised on the test thread below
                errors.append(exc)

    threads = [threading.Thread(target=send_ten) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert refusals == ["insufficient_stamps"] * 10
    balances = core.balances()
    assert (balances.held, balances.spendable) == (30, 0)
    assert len(core.thread_page("c1", limit=100).messages) == 30
