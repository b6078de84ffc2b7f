"""The terminal killed at each named point during push, pull and purchase, then restarted:
nothing lost, nothing duplicated, balances agree, no double charge; with a staff wipe
before one trial and the server restarted during another.

One trial per named fault point (``sync.faults.POINTS``) against the real server, each
of which must really kill the terminal there. The seeded random run, with kills at random
points too, is the long documented command (``docs/development.md``)::

    python -m tests.fault.crash_run --trials 1000 --seed 20261123
"""

from __future__ import annotations

from pathlib import Path

from sync import faults

from .crash_run import run


def test_a_kill_at_every_named_point_loses_nothing_duplicates_nothing_and_charges_once(
    tmp_path: Path,
) -> None:
    points = [f"{point}@1" for point in faults.POINTS]
    events = {1: "wipe", len(points) - 1: "restart"}
    results = run(len(points), seed=20261123, workdir=tmp_path, faults=points, events=events)
    assert [r.fault for r in results] == points
    assert {n: r.event for n, r in enumerate(results) if r.event} == events
    survived = [r.fault for r in results if r.returncode != -9]
    assert not survived, f"the terminal never reached these points: {survived}"
