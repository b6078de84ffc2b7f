"""The notice of review and retention: its facts come from policy; it is seen once per resident.

Issue 14: nothing told the resident that messages are reviewed and kept, or for how long.
"""

from __future__ import annotations

from sqlalchemy import select

from kiosk.store.models import AuditEvent
from tests.unit.conftest import World


def test_a_policy_from_an_older_server_has_no_retention_and_the_notice_says_none(
    world: World,
) -> None:
    core = world.signed_in()  # the world's policy is a 1.6 document: no retention_days
    notice = core.account_notice()
    assert notice.retention_days is None
    assert not notice.seen
    assert (notice.refund_on_reject, notice.cod_allowed, notice.stamps_per_message) == (
        True,
        False,
        1,
    )


def test_the_retention_comes_from_the_facilitys_policy(world: World) -> None:
    world.policy(retention_days=90)
    assert world.signed_in().account_notice().retention_days == 90


def test_the_notice_is_seen_once_per_resident_not_once_per_terminal(world: World) -> None:
    world.resident("r2", "A1002", "Beto Cruz", pin_code="1357")
    core = world.signed_in()
    core.acknowledge_notice()
    core.acknowledge_notice()  # once is enough: one audit event
    assert core.account_notice().seen
    core.end_session("sign_out")
    core.sign_in("A1002", "1357")
    assert not core.account_notice().seen  # the next resident at this terminal sees it
    core.end_session("sign_out")
    core.sign_in("A1001", "2468")
    assert core.account_notice().seen
    with world.store.read() as db:
        events = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "acknowledge_notice")
        ).all()
    assert [e.resident_id for e in events] == ["r1"]
