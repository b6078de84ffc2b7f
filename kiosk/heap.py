"""The process's start-up heap, kept out of the garbage collector's full passes.

A kiosk process lives for days. Everything it builds at start-up (modules,
SQLAlchemy mappers, pydantic validators, Qt wrappers) lives as long, yet every
full collection walks all of it again, with the GIL held: 40-50 ms in the
kiosk (about 93,000 objects), a visible stall of the screen, and 50-90 ms in
the middle of a 10,000-message pull. Frozen, a full pass in a signed-in kiosk
takes about 1 ms (``docs/benchmarks.md``). :func:`freeze_startup_heap` collects once and
moves what survives to the permanent generation, so later full passes walk
only what the session created. The price: start-up objects that become
garbage in a reference cycle later are never reclaimed (a bounded amount,
since start-up runs once).
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect, then exempt every surviving object from future collections.

    Call once, when start-up is done (the kiosk: once its backend is attached).
    """
    gc.collect()
    gc.freeze()
