"""The terminal killed at random and at named points during push, pull and purchase,
then restarted: nothing lost, nothing duplicated, balances agree, no double charge.

25 trials against the real server; the seed is fixed (``KITE_CRASH_SEED`` to change
it) and printed, so a failure replays with ``python -m tests.fault.crash_run
--trials 25 --seed SEED``. The long run (1,000 trials) is documented in
``tests/fault/crash_run.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .crash_run import run

TRIALS = 25


def test_random_kills_lose_nothing_duplicate_nothing_and_charge_once(tmp_path: Path) -> None:
    seed = int(os.environ.get("KITE_CRASH_SEED", "20261123"))
    print(f"crash suite seed {seed}")
    results = run(TRIALS, seed, tmp_path)
    assert len(results) == TRIALS
    killed = [r for r in results if r.returncode == -9]
    assert len(killed) >= TRIALS // 2, [r.fault for r in results]  # most trials really crashed
    points = {r.fault.split("@")[0] for r in killed if not r.fault.startswith("random:")}
    assert {"push.after_send", "pull.during_apply"} & points, points
