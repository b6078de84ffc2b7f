"""Push: drain the outbox to ``POST /v1/push`` in order, in batches.

For each batch (``kiosk.outbox.sendable``: seq order, dependencies
respected), cut at the first gap: the server refuses new work numbered below
work it already has (``sequence_regressed``), so nothing overtakes an earlier
pending item. A transient failure is a link failure and holds the queue; a
*permanent* one never does (the server answers per item, a malformed item
fails alone, a batch refused whole is retried item by item):

1. in one transaction, every item's attempt count is raised and its next
   attempt set by the backoff, *then* the request goes out: a crash after
   sending is a retry with the same idempotency key, counted and delayed;
2. a transient failure (network, 5xx, 429, a malformed answer) leaves the
   items pending with their stored backoff, which survives restarts;
3. the per-item answers are read and applied in one transaction by
   :mod:`sync.push_answers` (done, or failed with the reason the resident
   sees, and the domain state behind it restored).

An item the server cannot even parse would otherwise fail its whole batch
forever; so items are checked against the wire models before sending (a bad
one fails alone with ``invalid_payload``), and a batch refused as a whole is
retried one item at a time, so the refusal lands only on the item it is about.

A server bug on one item (a 5xx) would hold the queue behind it for ever: the
terminal cannot tell "never stored" from "stored, the answer broke". So a batch
answered 5xx is sent again one item at a time; an item answered 5xx alone
:data:`FATE_AFTER` times is asked about (``POST /v1/push/fate``) and settled
from the answer the server stored, or, if the server never stored it, set aside
(failed with reason :data:`kiosk.outbox.SET_ASIDE`, which the resident sees as
a refusal, holds released) so the items behind it move. It is never sent again,
under its key or another.

A server that holds a higher ``seq`` for this device than the terminal knows (a
restored backup, a re-imaged terminal) refuses the request with
``sequence_regressed {seq, last_seq}``. That is never the resident's fault: the
unsent items are renumbered past ``last_seq`` (``kiosk.outbox.renumber_past``,
same keys) and sent again. Only when that cannot work (no usable mark, or still
refused after :data:`MAX_JUMPS` jumps in a round) do the items fail, through the
same path as any refusal (the resident sees it, holds released; IT sees the
count and the reason).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pydantic import ValidationError

from kiosk import outbox, replies
from kiosk.changes import of_pushed
from kiosk.clock import Clock, utcnow
from kiosk.store import Store
from sync import faults, push_answers
from sync.backoff import Backoff
from sync.client import SyncClient
from sync.errors import (
    ClockSkewed,
    CredentialRefused,
    CredentialRevoked,
    DeviceSuspended,
    InvalidResponse,
    NotEnrolled,
    ProtocolVersionMismatch,
    RequestRefused,
    ServerFailed,
    TransientError,
)
from sync.protocol import (
    MAX_PUSH_ITEMS,
    MAX_REQUEST_BYTES,
    PAYLOAD_MODELS,
    FateResponse,
    KeyFate,
)
from sync.protocol import OutboxItem as WireItem
from sync.validation import describe_validation_error, parse_answer

log = logging.getLogger(__name__)

# Items per request: the most the protocol allows (fewer requests, fewer commits).
BATCH_SIZE = MAX_PUSH_ITEMS

#: Jumps past the server's sequence mark in one round before the items are failed instead.
MAX_JUMPS = 3

#: An item the server answers 5xx this many times when sent alone has its fate asked.
FATE_AFTER = 3

# Leave room for the envelope ({"items": [...]}) and separators.
_BYTES_BUDGET = MAX_REQUEST_BYTES - 4096


def wire_item(item: outbox.Outgoing) -> dict[str, Any]:
    wire = {
        "idempotency_key": item.idempotency_key,
        "seq": item.seq,
        "kind": item.kind,
        "payload": item.payload,
    }
    if item.proof is not None:
        wire["proof"] = item.proof
    return wire


def _invalid_reason(wire: dict[str, Any]) -> str | None:
    """Why the server would refuse this item unread, or None if it is well formed."""
    try:
        WireItem.model_validate(wire)
        PAYLOAD_MODELS[wire["kind"]].model_validate(wire["payload"])
    except ValidationError as exc:
        return f"invalid_payload: {describe_validation_error(exc)}"[:500]
    except KeyError as exc:
        return f"invalid_payload: unknown kind {exc}"[:500]
    return None


def push_due(
    store: Store,
    client: SyncClient,
    *,
    clock: Clock = utcnow,
    batch_size: int = BATCH_SIZE,
    backoff: Backoff | None = None,
    max_batches: int = 1000,
) -> push_answers.PushReport:
    """Send every due item; raise :class:`TransientError` when the server cannot take them now.

    Batches go out one at a time, each only once the server has answered the one
    before (its order rule holds), but the terminal's share overlaps the server's:
    while batch N+1 is on the wire, batch N's answer is applied here.

    How many times an item was answered 5xx when sent alone is kept with it in the
    outbox, across rounds and restarts (see :data:`FATE_AFTER`).
    """
    backoff = backoff or Backoff()
    report = push_answers.PushReport()
    pusher = _Pusher(store, client, clock, report)
    batch_size = max(1, min(batch_size, MAX_PUSH_ITEMS))
    answered: push_answers.Answer | None = None  # answered by the server, not yet applied here
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kite-push-send") as wire:
        for _ in range(max_batches):
            in_flight = answered.seqs if answered is not None else frozenset()
            batch = _claim_batch(store, clock, batch_size, backoff, in_flight)
            if not batch:
                if answered is None:
                    break
                # What is left may wait on the answered batch (a reply on its purchase).
                push_answers.settle(store, clock, answered, report)
                answered = None
                continue
            report.batches += 1
            sending = wire.submit(client.push, batch)
            if answered is not None:
                # On error the executor still waits for the request on the wire; its
                # items stay pending (counted, backing off) and are answered as duplicates.
                push_answers.settle(store, clock, answered, report)
                answered = None
            try:
                answered = pusher.received(batch, sending.result)
            except _Renumbered:
                answered = None  # the same items, numbered anew, are claimed next
        if answered is not None:
            push_answers.settle(store, clock, answered, report)
    return report


def _claim_batch(
    store: Store,
    clock: Clock,
    batch_size: int,
    backoff: Backoff,
    in_flight: frozenset[int] = frozenset(),
) -> list[dict[str, Any]]:
    """Choose the next batch and count the attempt, committed before anything is sent.

    ``in_flight``: items of a batch the server has answered but whose answer is not
    applied yet; they are no gap in the queue (the server has them).
    """
    now = clock()
    chosen: list[dict[str, Any]] = []
    with store.write() as session:
        size = 0
        attempts = 0
        for item in outbox.sendable(session, now, limit=batch_size, exclude=in_flight):
            wire = wire_item(item)
            reason = _invalid_reason(wire)
            if reason is not None:
                log.error("outbox item %s is malformed; refusing it locally: %s", item.seq, reason)
                replies.apply_push_result_in(
                    session, item.seq, "rejected", "invalid_payload", {}, None, now
                )
                continue
            encoded = len(json.dumps(wire, separators=(",", ":")))
            if chosen and size + encoded > _BYTES_BUDGET:
                break
            size += encoded + 1
            attempts = max(attempts, item.attempts + 1)
            chosen.append(wire)
        if chosen:
            # Sent together, retried together (if no answer settles them first).
            delay = backoff.delay(attempts)
            outbox.mark_sent(
                session,
                [wire["seq"] for wire in chosen],
                "sent, no answer yet",
                now + timedelta(seconds=delay),
            )
    if chosen:
        faults.point("push.before_send")
    return chosen


#: Refusals of the device itself (its credential, its clock, its protocol), never of an item.
_DEVICE_REFUSED = (
    CredentialRefused,
    CredentialRevoked,
    DeviceSuspended,
    ClockSkewed,
    NotEnrolled,
    ProtocolVersionMismatch,
)


class _Renumbered(Exception):
    """The unsent items were renumbered past the server's mark; claim them again."""


@dataclass
class _Pusher:
    """What sending needs at hand: the store, the client, the clock, the round's report."""

    store: Store
    client: SyncClient
    clock: Clock
    report: push_answers.PushReport
    jumps: int = 0

    def received(
        self, batch: list[dict[str, Any]], answer: Callable[[], bytes]
    ) -> push_answers.Answer | None:
        """The server's answer to ``batch``, from ``answer`` (the request, or its future).

        None when the batch was settled otherwise: refused whole (then settled item by
        item), or answered 5xx (then sent again item by item, see :meth:`_struck`).
        """
        try:
            raw = answer()
        except RequestRefused as exc:
            if exc.code == outbox.SEQUENCE_REFUSED and self._jumped_past(exc):
                raise _Renumbered from None
            self._refused_whole(batch, exc)
            return None
        except ServerFailed as exc:
            push_answers.note_error(self.store, batch, str(exc))
            if len(batch) > 1:
                log.warning(
                    "batch of %d failed on the server (%s); sending one by one", len(batch), exc
                )
                self._one_by_one(batch)
                return None
            if not self._struck(batch[0], exc):
                raise
            return None
        except TransientError as exc:
            push_answers.note_error(self.store, batch, str(exc))
            raise
        except _DEVICE_REFUSED:
            # The device was refused, not its work: every item is due again at once, so
            # the queue goes the moment IT enrolls the device again or sets its clock (it
            # waited out the backoff its send had set, and a terminal started right after
            # the fix found nothing due).
            with self.store.write() as session:
                outbox.make_due(session, self.clock())
            raise
        faults.point("push.after_send")
        self.report.sent += len(batch)
        return push_answers.Answer(batch, push_answers.parse(raw, batch))

    def _jumped_past(self, exc: RequestRefused) -> bool:
        """Renumber the unsent items past the server's mark; False when that cannot help."""
        given = exc.params.get("last_seq")
        mark = given if isinstance(given, int) and not isinstance(given, bool) else -1
        if self.jumps >= MAX_JUMPS or not 0 <= mark < outbox.MAX_SEQ:
            log.error(
                "the server refuses this terminal's push sequence (mark %r, %d jumps this "
                "round): the items it refuses fail as sequence_regressed; call IT",
                given,
                self.jumps,
            )
            return False
        try:
            with self.store.write() as session:
                moved = outbox.renumber_past(session, mark, self.clock())
        except ValueError as problem:
            log.error("cannot renumber the outbox past the server's seq %s: %s", mark, problem)
            return False
        if not moved:
            return False
        self.jumps += 1
        log.warning(
            "the server holds seq %s for this device, above this terminal's sequence (a "
            "restored backup or a re-imaged terminal): %d unsent items renumbered past it",
            mark,
            moved,
        )
        return True

    def _one_by_one(self, batch: list[dict[str, Any]]) -> None:
        """Each item in its own request, in order; the first that fails for now stops the rest."""
        for wire in batch:
            with self.store.read() as session:
                if not outbox.is_pending(session, wire["seq"]):
                    continue  # failed with an item it depends on: never sent
            alone = self.received([wire], partial(self.client.push, [wire]))
            if alone is not None:
                push_answers.settle(self.store, self.clock, alone, self.report)

    def _refused_whole(self, batch: list[dict[str, Any]], exc: RequestRefused) -> None:
        """A request refused as a whole: retried item by item, so the refusal lands on its item."""
        if len(batch) > 1:
            log.warning("batch of %d refused whole (%s); sending one by one", len(batch), exc.code)
            self._one_by_one(batch)
            return
        push_answers.refuse_alone(self.store, self.clock, batch[0], exc)
        self.report.sent += 1
        self.report.rejected += 1
        self.report.changed |= of_pushed(batch[0]["kind"], "rejected")

    def _struck(self, wire: dict[str, Any], exc: ServerFailed) -> bool:
        """One item answered 5xx alone: after :data:`FATE_AFTER` such answers, ask its fate.

        True when the item is settled (from the stored answer, or set aside because the
        server never stored it); False while it should be retried (the queue waits).
        """
        with self.store.write() as session:
            count = outbox.count_server_error(session, wire["seq"])
        if count < FATE_AFTER:
            return False
        try:
            fate = _ask_fate(self.client, wire)
        except RequestRefused as refused:
            # A server before protocol 1.2 cannot say; never guess: keep retrying.
            log.error("cannot ask the fate of outbox item %s: %s", wire["seq"], refused)
            return False
        if fate.answer is not None:
            log.warning(
                "outbox item %s failed %d times on the server, which has it stored: settled",
                wire["seq"],
                count,
            )
            result = push_answers.checked([fate.answer.model_dump(mode="json")], [wire])
            push_answers.settle(
                self.store, self.clock, push_answers.Answer([wire], result), self.report
            )
        else:
            log.error(
                "outbox item %s (%s) failed %d times on the server (%s), which never stored it: "
                "set aside as %s",
                wire["seq"],
                wire["kind"],
                count,
                exc,
                outbox.SET_ASIDE,
            )
            with self.store.write() as session:
                replies.apply_push_result_in(
                    session, wire["seq"], "rejected", outbox.SET_ASIDE, {}, None, self.clock()
                )
            self.report.rejected += 1
            self.report.changed |= of_pushed(wire["kind"], "rejected")
        return True


def _ask_fate(client: SyncClient, wire: dict[str, Any]) -> KeyFate:
    """What the server holds under this item's key (raises like any request)."""
    answer = parse_answer(client.fate([wire["idempotency_key"]]), FateResponse, "fate answer")
    if [f.idempotency_key for f in answer.fates] != [wire["idempotency_key"]]:
        raise InvalidResponse("fate answer is not about the key asked")
    return answer.fates[0]


def due_now(store: Store, *, clock: Clock = utcnow) -> int:
    """Make every pending item due at once (the server is reachable again)."""
    now = clock()
    with store.write() as session:
        return outbox.make_due(session, now)


def next_due_at(store: Store) -> datetime | None:
    """When the earliest pending item falls due (None: nothing pending)."""
    with store.read() as session:
        return outbox.next_attempt_at(session)
