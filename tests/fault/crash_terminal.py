"""The terminal process the crash suite kills: writes replies and purchases, then syncs.

Run as ``python -m tests.fault.crash_terminal MODE RESIDENT CONTACT TAG`` with the
terminal's settings in ``KITE_*`` variables and, when it should die, ``KITE_FAULT``.

- ``work``: commit 2 replies and 1 purchase (each announced on stdout *after* its
  commit, then ``faults.point("local.after_commit")``), then sync one round;
- ``recover``: sync until the outbox is empty and the server reachable, print the status.
"""

from __future__ import annotations

import json
import sys

from kiosk.compose import send_reply
from kiosk.config import load_settings
from kiosk.policy import any_policy
from kiosk.stamps import purchase
from sync import faults
from sync.backoff import Backoff
from sync.terminal import open_terminal
from tests.fault.clocks import open_hours_clock


def main(argv: list[str]) -> int:
    faults.arm()  # this test program, and no shipped one, lets KITE_FAULT kill it
    mode, resident_id, contact_id, tag = argv
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
    store, worker = terminal.store, terminal.worker
    if mode == "work":
        with store.read() as session:
            policy = any_policy(session)
        assert policy is not None, "the terminal has no policy yet"
        for i in range(2):
            body = f"crash {tag}-{i}"
            with store.write() as session:
                send_reply(session, policy, resident_id, contact_id, None, body, clock())
            print(f"reply {body}", flush=True)
            faults.point("local.after_commit")
        with store.write() as session:
            hold, _ = purchase(session, policy, resident_id, "stamp-1", clock())
            client_id = hold.client_id
        print(f"purchase {client_id}", flush=True)
        faults.point("local.after_commit")
        worker.sync_once()  # push, pull, reconcile: every fault point is on this path
        return 0
    status = worker.sync_once()
    for _ in range(60):
        if status.online and status.items_waiting == 0:
            break
        status = worker.sync_once()
    print(json.dumps(status.to_json()), flush=True)
    return 0 if status.online and status.items_waiting == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
