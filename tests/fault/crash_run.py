"""The crash suite: kill the terminal at named and random points, restart it, check nothing broke.

Each trial runs the terminal process (:mod:`tests.fault.crash_terminal`) with
``KITE_FAULT`` set to a named fault point (``push.after_send@2``...) or to the
seeded random mode, lets it write replies and a purchase and sync until it is
killed with SIGKILL, then restarts it without a fault until the outbox is
drained. After every trial:

- nothing lost: every reply the terminal holds is on the server;
- nothing duplicated: each reply is on the server exactly once;
- no purchase charged twice: the server's debit balance fell by exactly the
  price of each purchase the terminal holds, each confirmed;
- every ledger balance equals the sum of its entries: the terminal's ledger
  (the server's entries, pulled) sums to the server's stamp balance.

Some trials also carry an event (:data:`EVENTS`): ``wipe``, staff wipe the
terminal before it works (it drops every resident's data, and what it queues next
must still be taken: the resident signs in again, his work is proved and numbered
past the server's mark); ``restart``, the server is restarted while the terminal
works (sign-in falls back offline, pushes fail and are retried). What a wipe
removed from the terminal stays counted on the server's side of the invariants.

The fault of trial ``n`` comes from ``random.Random(seed * 1_000_003 + n)``, so a
run replays from its seed. CI runs one trial at each named point
(``tests/fault/test_crash.py``); the long run is::

    python -m tests.fault.crash_run --trials 1000 [--seed 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from kiosk.store import open_store
from kiosk.store.models import (
    Direction,
    Hold,
    HoldKind,
    HoldState,
    LedgerEntry,
    Message,
    OutboxItem,
    OutboxState,
)
from sync import faults
from sync.credentials import CREDENTIAL_KEY, SERVICE
from tests import sealed
from tests.fault.worlds import grant_stamps
from tests.server.live import LiveServer, World, ok

PRICE = 50  # stamp-1 in the demo policy
NAMED = list(faults.POINTS)
#: What may happen to a trial beside its kill, and how often in a seeded run.
EVENTS = {"wipe": 0.03, "restart": 0.05}


@dataclass
class Trial:
    number: int
    fault: str
    returncode: int
    seconds: float
    event: str | None = None


class CrashRun:
    """One server, one terminal data dir, many trials."""

    def __init__(self, workdir: Path, trials: int, seed: int) -> None:
        self.workdir = workdir
        self.trials = trials
        self.seed = seed
        (workdir / "central").mkdir(parents=True, exist_ok=True)
        self.server = LiveServer.start(workdir / "central")
        self.world: World = self.server.world(
            residents=1, debit_cents=PRICE * trials + 1000, stamps=0, devices=1
        )
        grant_stamps(self.world, 2 * trials + 10)
        self.resident = self.world.resident
        self.start_stamps, self.start_cents = self.server.balances(self.resident.resident_id)
        # What the terminal no longer holds because a wipe removed it (the server does).
        self.wiped_replies: Counter[str] = Counter()
        self.wiped_purchases = 0
        self.data = workdir / "terminal"
        self.data.mkdir(parents=True, exist_ok=True)
        sealed.install()  # also when run as a script, outside pytest's conftest
        self.keyring = sealed.keyring_of(self.data)  # the kiosk's sealed keyring
        self.keyring.set_password(SERVICE, CREDENTIAL_KEY, self.world.credential)
        self.env = {
            **os.environ,
            "KITE_SERVER_URL": self.server.url,
            "KITE_DATA_DIR": str(self.data),
            "KITE_LONG_POLL_S": "0",
            "KITE_CONNECT_TIMEOUT_S": "2",
            "KITE_READ_TIMEOUT_S": "15",
        }
        for name in ("KITE_CONFIG", "PYTHON_KEYRING_BACKEND", faults.ENV):
            self.env.pop(name, None)
        config = self.data / "kite.toml"
        config.write_text("# everything comes from KITE_* variables\n", encoding="utf-8")
        self.env["KITE_CONFIG"] = str(config)

    def close(self) -> None:
        self.server.stop()

    def _terminal(self, mode: str, tag: str, fault: str | None) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if fault:
            env[faults.ENV] = fault
        args = [sys.executable, "-m", "tests.fault.crash_terminal", mode]
        device_id = self.world.devices[0][0]
        resident = self.resident
        args += [device_id, resident.facility_number, resident.pin, resident.contact_id, tag]
        return subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=120, check=False
        )

    def fault_for(self, number: int) -> str:
        rng = random.Random(self.seed * 1_000_003 + number)
        if rng.random() < 0.3:
            return f"random:{rng.randrange(2**31)}:{rng.choice([0.05, 0.1, 0.2])}"
        point = rng.choice(NAMED)
        # local.after_commit passes three times per trial (two replies, one purchase).
        nth = rng.choice([1, 2, 3]) if point == "local.after_commit" else rng.choice([1, 1, 2])
        return f"{point}@{nth}"

    def prepare(self) -> None:
        done = self._terminal("recover", "prepare", None)
        if done.returncode != 0:
            raise AssertionError(f"first sync failed:\n{done.stdout}\n{done.stderr}")

    def event_for(self, number: int) -> str | None:
        rng = random.Random(self.seed * 2_000_003 + number)
        draw = rng.random()
        for event, chance in EVENTS.items():
            if draw < chance:
                return event
            draw -= chance
        return None

    def wipe(self, number: int) -> None:
        """Staff wipe the terminal, and it obeys (a sync); the server keeps what it was sent."""
        with self._store() as (replies, purchases, _):
            held_replies, held_purchases = Counter(replies), len(purchases)
        with self.server.staff() as staff:
            ok(staff.post(f"/v1/staff/devices/{self.world.devices[0][0]}/wipe"))
        done = self._terminal("recover", f"{self.seed}-{number}-wipe", None)
        if done.returncode != 0:
            raise AssertionError(f"trial {number}: the wipe was not obeyed:\n{done.stderr[-3000:]}")
        with self._store() as (replies, purchases, _):
            assert not replies and not purchases, f"trial {number}: the wipe left resident data"
        back = self._terminal("signin", f"{self.seed}-{number}-wipe", None)
        if back.returncode != 0:
            raise AssertionError(
                f"trial {number}: no sign-in after the wipe:\n{back.stderr[-3000:]}"
            )
        stamps, _ = self.server.balances(self.resident.resident_id)
        assert self._ledger_sum() == stamps, f"trial {number}: balance not back after the wipe"
        # Reconcile brought his own messages back; what stays gone is counted as the server's.
        with self._store() as (replies, purchases, _):
            self.wiped_replies += held_replies - Counter(replies)
            self.wiped_purchases += held_purchases - len(purchases)

    def _restart_soon(self, number: int) -> threading.Thread:
        delay = random.Random(self.seed * 3_000_017 + number).uniform(0.0, 1.0)
        thread = threading.Thread(target=lambda: (time.sleep(delay), self.server.restart()))
        thread.start()
        return thread

    def trial(self, number: int, fault: str | None = None, event: str | None = None) -> Trial:
        """Trial ``number``, at ``fault`` (with ``event``) if given, else as the seed draws."""
        if fault is None:
            fault, event = self.fault_for(number), self.event_for(number)
        started = time.monotonic()
        if event == "wipe":
            self.wipe(number)
        restarting = self._restart_soon(number) if event == "restart" else None
        work = self._terminal("work", f"{self.seed}-{number}", fault)
        if restarting is not None:
            restarting.join()
        if work.returncode not in (0, -9):
            raise AssertionError(
                f"trial {number} ({fault}): terminal failed, not killed:\n{work.stderr[-3000:]}"
            )
        recover = self._terminal("recover", f"{self.seed}-{number}", None)
        if recover.returncode != 0:
            raise AssertionError(
                f"trial {number} ({fault}): terminal did not recover:\n"
                f"{recover.stdout[-2000:]}\n{recover.stderr[-3000:]}"
            )
        self.check(number, f"{fault} {event or ''}".strip(), work.stdout)
        return Trial(number, fault, work.returncode, time.monotonic() - started, event)

    @contextmanager
    def _store(self) -> Iterator[tuple[list[str], list[Hold], Counter[OutboxState]]]:
        """(outbound reply bodies, purchase holds, outbox states) the terminal holds now."""
        store = open_store(self.data / "kite.db", self.keyring.store_key())  # encrypted
        try:
            with store.read() as session:
                states = Counter(session.scalars(select(OutboxItem.state)))
                replies = list(
                    session.scalars(
                        select(Message.body).where(Message.direction == Direction.OUTBOUND)
                    )
                )
                purchases = list(
                    session.scalars(select(Hold).where(Hold.kind == HoldKind.PURCHASE))
                )
                yield replies, purchases, states
        finally:
            store.close()

    def _ledger_sum(self) -> int:
        store = open_store(self.data / "kite.db", self.keyring.store_key())
        try:
            with store.read() as session:
                return sum(session.scalars(select(LedgerEntry.stamps)))
        finally:
            store.close()

    def check(self, number: int, fault: str, announced: str) -> None:
        where = f"trial {number} (fault {fault}, seed {self.seed})"
        with self._store() as (local_replies, purchases, states):
            pass
        ledger_sum = self._ledger_sum()
        assert set(states) <= {OutboxState.DONE}, f"{where}: outbox not drained: {states}"
        for line in announced.splitlines():
            kind, _, value = line.partition(" ")
            if kind == "reply":
                assert value in local_replies, f"{where}: committed reply {value!r} lost locally"
        # The review queue lists at most 200: approve as we go, count what the family got.
        with self.server.staff() as staff:
            mine = {"resident_id": self.resident.resident_id}
            for item in ok(staff.get("/v1/staff/review", params=mine)):
                decision = {"decision": "approve"}
                ok(staff.post(f"/v1/staff/review/{item['message_id']}", json=decision))
        with self.world.family() as family:
            on_server = Counter(
                m["body"]
                for m in ok(family.get("/v1/family/messages"))
                if m["direction"] == "outbound"
            )
        local = Counter(local_replies) + self.wiped_replies
        assert on_server == local, (
            f"{where}: server and terminal disagree on replies: "
            f"missing {local - on_server}, extra {on_server - local}"
        )
        assert all(h.state == HoldState.POSTED for h in purchases), f"{where}: unconfirmed purchase"
        stamps, cents = self.server.balances(self.resident.resident_id)
        bought = len(purchases) + self.wiped_purchases
        assert cents == self.start_cents - PRICE * bought, (
            f"{where}: debit {cents}, expected {self.start_cents - PRICE * bought}"
            f" for {bought} purchases (charged twice or lost?)"
        )
        expected = self.start_stamps - sum(local.values()) + bought
        assert stamps == expected, f"{where}: server stamps {stamps}, expected {expected}"
        assert ledger_sum == stamps, f"{where}: local ledger sums to {ledger_sum}, server {stamps}"


def run(
    trials: int,
    seed: int,
    workdir: Path,
    echo: bool = False,
    faults: list[str] | None = None,
    events: dict[int, str] | None = None,
) -> list[Trial]:
    """``trials`` seeded trials, or one trial at each of ``faults`` (``point@n``) in turn,
    trial ``n`` with ``events[n]`` (``wipe``, ``restart``) if given."""
    planned: list[str | None] = list(faults) if faults is not None else [None] * trials
    crash = CrashRun(workdir, len(planned), seed)
    results = []
    try:
        crash.prepare()
        for number, fault in enumerate(planned):
            event = (events or {}).get(number)
            result = crash.trial(number, fault, event) if fault else crash.trial(number)
            results.append(result)
            if echo:
                outcome = "killed" if result.returncode == -9 else "survived"
                print(
                    f"trial {number:4}  {outcome:8}  {result.seconds:5.2f}s  {result.fault}"
                    f"  {result.event or ''}"
                )
    finally:
        crash.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    print(f"crash run: {args.trials} trials, seed {args.seed} (replay with --seed {args.seed})")
    if args.keep:
        results = run(args.trials, args.seed, args.keep, echo=True)
    else:
        with tempfile.TemporaryDirectory(prefix="kite-crash-") as folder:
            results = run(args.trials, args.seed, Path(folder), echo=True)
    killed = sum(1 for r in results if r.returncode == -9)
    print(f"{len(results)} trials, {killed} killed, all invariants held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
