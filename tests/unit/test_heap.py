"""The start-up heap leaves the collector's full passes (kiosk.heap), garbage first collected."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import gc, weakref
    from kiosk.heap import freeze_startup_heap

    class Node:
        pass

    kept = Node()
    kept.me = kept  # a live cycle: start-up state that stays
    lost = Node()
    lost.me = lost  # a dead cycle: garbage left by start-up
    gone = weakref.ref(lost)
    del lost
    freeze_startup_heap()
    # Garbage is collected, not frozen forever; what lives is out of later full passes.
    walked = gc.get_objects()  # what a full pass walks: the permanent generation is not in it
    print(gone() is None, gc.get_freeze_count() > 0, all(o is not kept for o in walked))
    """
)


def test_freezing_collects_start_up_garbage_and_exempts_what_lives() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["True", "True", "True"]
