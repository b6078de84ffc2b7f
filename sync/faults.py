"""Named fault points: where the crash suite kills the terminal on purpose.

``faults.point("push.after_send")`` does nothing in normal runs. In a process
the crash suite has armed (:func:`arm`), when the environment variable
``KITE_FAULT`` names that point, the process kills itself with SIGKILL right
there (no cleanup, no flush: like a power cut). Forms:

- ``KITE_FAULT=push.after_send``: die at the first pass through that point;
- ``KITE_FAULT=push.after_send@3``: die at the third pass;
- ``KITE_FAULT=random:SEED:P``: at every point, die with probability P, drawn
  from ``random.Random(SEED)``, so a failing trial replays from its seed.

Inert unless armed: only the crash suite's own programs (``tests/fault``, which
no shipped program imports and the PyInstaller spec excludes) call :func:`arm`,
and :func:`arm` refuses in a frozen bundle. So ``KITE_FAULT`` in a kiosk's
environment, the frozen terminal's or ``kite-admin``'s, does nothing at all.

The points (keep ``POINTS`` in step with the calls):
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading

ENV = "KITE_FAULT"

POINTS = (
    "push.before_send",  # attempt counts committed, request not yet sent
    "push.after_send",  # the server has the batch, the terminal has not recorded it
    "push.before_mark_done",  # answers parsed, the done-transaction not yet begun
    "pull.after_fetch",  # page fetched and validated, nothing applied
    "pull.during_apply",  # inside the apply transaction, before commit
    "pull.after_apply",  # page and cursor committed
    "local.after_commit",  # a local change (purchase, reply) committed with its outbox row
)

#: The credential rotation's points (``sync.rotation``), killed at by their own crash
#: test (``tests/fault/test_rotation_crash.py``) rather than the push and pull trials.
ROTATION_POINTS = (
    "rotate.before_send",  # rotation due, nothing asked yet
    "rotate.after_answer",  # the server issued the next credential; the keyring has the old
    "rotate.after_store",  # the keyring has the new credential; the server never saw it used
)

_lock = threading.Lock()
_counts: dict[str, int] = {}
_rng: random.Random | None = None
_rng_spec: str | None = None
_armed = False


class FaultsUnavailable(RuntimeError):
    """Fault injection asked for where it must never run (a frozen bundle)."""


def arm() -> None:
    """Let ``KITE_FAULT`` act in this process: for the crash suite's programs only."""
    global _armed
    if getattr(sys, "frozen", False):
        raise FaultsUnavailable("fault injection cannot be armed in a frozen (shipped) bundle")
    _armed = True


def armed() -> bool:
    return _armed


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def point(name: str) -> None:
    """Die here if the process is armed and ``KITE_FAULT`` says so; otherwise return at once."""
    if not _armed:
        return
    spec = os.environ.get(ENV)
    if not spec:
        return
    global _rng, _rng_spec
    with _lock:
        if spec.startswith("random:"):
            if _rng is None or _rng_spec != spec:
                _, seed, _p = spec.split(":", 2)
                _rng = random.Random(int(seed))
                _rng_spec = spec
            probability = float(spec.split(":", 2)[2])
            if _rng.random() < probability:
                _die()
            return
        target, _, nth = spec.partition("@")
        if target != name:
            return
        _counts[name] = _counts.get(name, 0) + 1
        if _counts[name] >= (int(nth) if nth else 1):
            _die()
