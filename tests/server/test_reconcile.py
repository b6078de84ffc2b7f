"""Reconcile: matching figures get nothing back; any difference gets the authoritative snapshot."""

from __future__ import annotations

from tests.server.live import LiveServer, World, ok


def _reconcile(
    world: World, stamps: int, cents: int, messages: int, resident_id: str | None = None
) -> object:
    with world.terminal() as terminal:
        return terminal.post(
            "/v1/reconcile",
            json={
                "residents": [
                    {
                        "resident_id": resident_id or world.resident.resident_id,
                        "stamps": stamps,
                        "debit_cents": cents,
                        "messages": messages,
                    }
                ]
            },
        )


def test_matching_figures_need_no_snapshot(world: World) -> None:
    assert ok(_reconcile(world, 5, 1000, 0)) == {"mismatches": [], "snapshots": []}


def test_a_wrong_balance_gets_the_servers_snapshot(world: World) -> None:
    answer = ok(_reconcile(world, 7, 1000, 0))
    assert answer["mismatches"] == [
        {"resident_id": world.resident.resident_id, "field": "stamps", "terminal": 7, "server": 5}
    ]
    [snapshot] = answer["snapshots"]
    assert (snapshot["stamps"], snapshot["debit_cents"]) == (5, 1000)
    assert sum(e["stamps"] for e in snapshot["ledger"]) == 5
    assert [c["contact_id"] for c in snapshot["contacts"]] == [world.resident.contact_id]


def test_reconciling_a_resident_of_another_unit_is_refused(central_server: LiveServer) -> None:
    here, there = central_server.world(), central_server.world()
    answer = _reconcile(here, 0, 0, 0, resident_id=there.resident.resident_id)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "not_your_resident"
