"""The terminal process the crash suite kills: writes replies and purchases, then syncs.

Run as ``python -m tests.fault.crash_terminal MODE DEVICE NUMBER PIN CONTACT TAG`` with
the terminal's settings in ``KITE_*`` variables and, when it should die, ``KITE_FAULT``.

- ``work``: sign the resident in (his session proves what he queues), commit 2 replies
  and 1 purchase (each announced on stdout *after* its commit, then
  ``faults.point("local.after_commit")``), then sync one round;
- ``recover``: sync until the outbox is empty and the server reachable, print the status;
- ``signin``: the same after the resident signed in (what follows a staff wipe).
"""

from __future__ import annotations

import json
import sys

from kiosk.config import load_settings
from kiosk.policy import any_policy
from sync import enrollment, faults
from sync.backoff import Backoff
from sync.terminal import open_terminal
from tests.fault.clocks import open_hours_clock


def main(argv: list[str]) -> int:
    faults.arm()  # this test program, and no shipped one, lets KITE_FAULT kill it
    mode, device_id, number, pin, contact_id, tag = argv
    clock = open_hours_clock()  # the demo facility must be open for replies
    terminal = open_terminal(
        load_settings(),
        clock=clock,
        backoff=Backoff(base_s=0.01, cap_s=0.05),
        # Small batches: a trial's items go in several requests, so kills also land
        # while one answer is applied and the next request is on the wire.
        push_batch=2,
        write_status=False,
    )
    store, worker, core = terminal.store, terminal.worker, terminal.core
    enrollment.device_id(store, restored=device_id)  # as its enrollment left it
    if mode == "work":
        with store.read() as session:
            assert any_policy(session) is not None, "the terminal has no policy yet"
        core.sign_in(number, pin)
        for i in range(2):
            body = f"crash {tag}-{i}"
            core.send_reply(contact_id, None, body)
            print(f"reply {body}", flush=True)
            faults.point("local.after_commit")
        client_id = core.buy_stamps("stamp-1").client_id
        print(f"purchase {client_id}", flush=True)
        faults.point("local.after_commit")
        worker.sync_once()  # push, pull, reconcile: every fault point is on this path
        return 0
    if mode == "signin":
        # The resident signs in and reads for a moment: the worker's round after a sign-in
        # (reconcile_soon) brings back what a wipe removed of his balances.
        core.sign_in(number, pin)
    status = worker.sync_once()
    for _ in range(60):
        if status.online and status.items_waiting == 0:
            break
        status = worker.sync_once()
    print(json.dumps(status.to_json()), flush=True)
    return 0 if status.online and status.items_waiting == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
