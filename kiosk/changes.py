"""Which kinds of data an operation changed, so each view redraws only when it must.

After Anki's ``OpChanges``: a write in the core (:class:`kiosk.core.Core`) and a
round of the sync engine each say what they changed, as a :class:`Changes` set
of kinds; a screen declares the kinds it shows and reloads only when one of
them is in the set. Plain Python: the UI adapts it into a Qt signal.

The core's writes *report* their changes (:func:`report`) rather than return
them, so their results stay the views the screens show; whoever runs a write
and wants to know what it changed collects them around the call
(:func:`collect`), as the UI's task runner does for each task.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Changes(enum.Flag):
    """A set of kinds of data; ``|`` is their union, ``&`` what two sets share."""

    NONE = 0
    MESSAGES = enum.auto()  # inbound and outbound messages, their statuses, drafts
    STAMPS = enum.auto()  # stamp balances, holds, receipts, the debit balance
    CONTACTS = enum.auto()  # contacts and their states
    POLICY = enum.auto()  # the facility's policy: hours, prices, suspensions
    DEVICE = enum.auto()  # enrollment, revocation, a wipe of resident data
    ALL = MESSAGES | STAMPS | CONTACTS | POLICY | DEVICE

    @property
    def any(self) -> bool:
        """True when anything changed."""
        return bool(self)


# What a change of the server's feed (``kiosk.feed.CHANGE_KINDS``) can touch.
_FEED = {
    "resident": Changes.CONTACTS | Changes.MESSAGES,  # profile, restrictions on sending
    "contact": Changes.CONTACTS | Changes.MESSAGES,  # conversations show the contact
    "message": Changes.MESSAGES,
    "message_status": Changes.MESSAGES,
    "outbound_message": Changes.MESSAGES | Changes.STAMPS,  # a reply may carry its charge
    "message_read": Changes.MESSAGES,
    "ledger_entry": Changes.STAMPS,
    "debit_balance": Changes.STAMPS,
    "policy": Changes.POLICY,
    "device_command": Changes.ALL,  # a wipe takes everything of every resident
}

# What settling a pushed outbox item of each kind can touch (``kiosk.replies``): a
# reply's status, its hold and refund and returned draft; a purchase's stamps and
# the replies that waited on it.
_PUSHED = {
    "send_message": Changes.MESSAGES | Changes.STAMPS,
    "purchase_stamps": Changes.STAMPS | Changes.MESSAGES,
    "mark_read": Changes.MESSAGES,
    "hide_message": Changes.MESSAGES,
    "set_contact_blocked": Changes.CONTACTS,
    "set_language": Changes.NONE,  # the terminal applied the choice when it was made
}


def of_feed(kinds: Iterable[str]) -> Changes:
    """What applying feed changes of these kinds may have changed."""
    changed = Changes.NONE
    for kind in kinds:
        changed |= _FEED.get(kind, Changes.ALL)  # an unknown kind: assume the worst
    return changed


def of_pushed(kind: str, outcome: str) -> Changes:
    """What settling a pushed item of ``kind`` with ``outcome`` may have changed.

    An accepted ``mark_read``, ``hide_message`` or contact block only confirms
    what the terminal already shows; a refusal of one undoes nothing locally
    either, but the resident may be shown it, so it counts.
    """
    if outcome != "rejected" and kind in ("mark_read", "hide_message", "set_contact_blocked"):
        return Changes.NONE
    return _PUSHED.get(kind, Changes.NONE)


class Collected:
    """The union of what was reported inside one :func:`collect` block, so far."""

    def __init__(self) -> None:
        self.changes = Changes.NONE


_collector: ContextVar[Collected | None] = ContextVar("kite_changes", default=None)


@contextmanager
def collect() -> Iterator[Collected]:
    """Gather what the writes in this block (in this thread or task) report.

    A block inside another hands what it gathered on to the outer one too.
    """
    collected = Collected()
    token = _collector.set(collected)
    try:
        yield collected
    finally:
        _collector.reset(token)
        report(collected.changes)


def report(changes: Changes) -> None:
    """A committed write changed ``changes``: tell the enclosing :func:`collect`, if any."""
    collected = _collector.get()
    if collected is not None:
        collected.changes |= changes
