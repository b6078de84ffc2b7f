"""Long-polls wake for the commits that concern them, not for every write (issue #16).

Once every commit woke every waiting request, whatever unit it concerned, and each
re-read the database: with a thousand idle devices a write cost a thousand reads.
"""

from __future__ import annotations

import asyncio

from sync.server.feed import FeedNotifier


def test_a_commit_wakes_only_the_waiters_of_its_audiences_and_none_is_left_behind() -> None:
    async def scenario() -> tuple[bool, bool, bool, int]:
        notifier = FeedNotifier()
        notifier.bind(asyncio.get_running_loop())
        unit_a = notifier.current(["unit:f/a", "device:d1@"])
        unit_b = notifier.current(["unit:f/b", "device:d2@"])
        notifier.notify(frozenset({"unit:f/b"}))
        await asyncio.sleep(0)  # the wake-up runs on the loop
        a_after_b, b_after_b = unit_a.event.is_set(), unit_b.event.is_set()
        notifier.notify(frozenset({"device:d1@", "unit:f/c"}))
        await notifier.wait(unit_a, timeout=5)  # returns at once: it was woken
        await notifier.wait(unit_b, timeout=0.01)
        return a_after_b, b_after_b, unit_a.event.is_set(), notifier.waiting()

    a_after_b, b_after_b, a_woken, left = asyncio.run(scenario())
    assert (a_after_b, b_after_b) == (False, True)  # unit B's write left unit A asleep
    assert a_woken  # a command to device d1 woke it
    assert left == 0  # every waiter was forgotten after its wait


def test_a_waiter_registered_before_a_commit_is_never_missed() -> None:
    """The route registers, then reads, then waits: a commit between the read and the wait
    still ends the wait."""

    async def scenario() -> bool:
        notifier = FeedNotifier()
        notifier.bind(asyncio.get_running_loop())
        waiter = notifier.current(["unit:f/a"])
        notifier.notify(frozenset({"unit:f/a"}))  # after the read, before the wait
        await asyncio.sleep(0)
        await notifier.wait(waiter, timeout=5)
        return waiter.event.is_set()  # woken, not timed out

    assert asyncio.run(scenario())
