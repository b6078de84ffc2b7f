"""The server's answers to a push: read strictly, matched to the batch, applied per item.

A push answer holds one result per item, in the items' order; each accepted
result is checked against the model of its kind before anything is applied.
The results are then applied in one transaction through
``kiosk.replies.apply_push_result_in`` (done, or failed with the reason the
resident sees, and the domain state behind it restored), and counted in a
:class:`PushReport` with the kinds of data they changed. :mod:`sync.push`
decides what to send and when; this module only reads and settles.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from kiosk import outbox, replies
from kiosk.changes import Changes, of_pushed
from kiosk.clock import Clock
from kiosk.errors import ServerDataError
from kiosk.store import IntegrityError, Store
from sync import faults
from sync.errors import InvalidResponse, RequestRefused
from sync.protocol import PurchaseResult, PushResponse, SendMessageResult, WireModel
from sync.validation import describe_validation_error, parse_answer

log = logging.getLogger(__name__)

# What an accepted item's ``result`` must look like, by kind (others carry none we use).
RESULT_MODELS: dict[str, type[WireModel]] = {
    "send_message": SendMessageResult,
    "purchase_stamps": PurchaseResult,
}


@dataclass
class PushReport:
    """What one :func:`push_due` call did."""

    batches: int = 0
    sent: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    changed: Changes = Changes.NONE  # the kinds of data settling the answers touched


@dataclass(frozen=True)
class Answer:
    """A batch and the server's answer to it."""

    batch: list[dict[str, Any]]
    results: list[dict[str, Any]]

    @property
    def seqs(self) -> frozenset[int]:
        return frozenset(int(wire["seq"]) for wire in self.batch)


def settle(store: Store, clock: Clock, answer: Answer, report: PushReport) -> None:
    faults.point("push.before_mark_done")
    try:
        apply_results(store, clock, answer.batch, answer.results, report)
    except (ServerDataError, ValueError, KeyError, IntegrityError) as exc:
        # Well formed, but the core cannot take it (a ledger entry for a resident this
        # terminal does not serve...): nothing of the batch is recorded; retried later.
        log.error("push answer cannot be applied: %s", exc)
        raise InvalidResponse(f"push answer cannot be applied: {exc}") from exc


def apply_results(
    store: Store,
    clock: Clock,
    batch: list[dict[str, Any]],
    results: list[dict[str, Any]],
    report: PushReport,
) -> None:
    now = clock()
    with store.write() as session:
        # One query for the batch's items and messages, not one per item.
        replies.prefetch_push_items(
            session, [wire["seq"] for wire in batch], [r.get("result") for r in results]
        )
        for wire, result in zip(batch, results, strict=True):
            seq = wire["seq"]
            if not outbox.is_pending(session, seq):
                continue  # already settled (an earlier round got the answer first)
            outcome = result["outcome"]
            if outcome == "duplicate" and result.get("original_outcome") == "rejected":
                # The first answer was a refusal: it stays one (the resident must see it).
                replies.apply_push_result_in(
                    session,
                    seq,
                    "rejected",
                    result.get("reason"),
                    result["params"],
                    None,
                    now,
                )
            else:
                replies.apply_push_result_in(
                    session,
                    seq,
                    outcome,
                    result.get("reason"),
                    result["params"],
                    result.get("result"),
                    now,
                )
            report.changed |= of_pushed(wire["kind"], outcome)
            if outcome == "accepted":
                report.accepted += 1
            elif outcome == "duplicate":
                report.duplicate += 1
            else:
                report.rejected += 1


def parse(raw: bytes, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answer = parse_answer(raw, PushResponse, "push answer")
    return checked([r.model_dump(mode="json") for r in answer.results], batch)


def checked(results: list[dict[str, Any]], batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-item answers matched to ``batch`` and each accepted result checked by its kind."""
    if len(results) != len(batch):
        raise InvalidResponse(f"push answer has {len(results)} results for {len(batch)} items")
    for wire, result in zip(batch, results, strict=True):
        if result["idempotency_key"] != wire["idempotency_key"]:
            raise InvalidResponse("push answer's results are not in the order of the items")
        if result["outcome"] == "rejected" and not result.get("reason"):
            raise InvalidResponse("push answer rejects an item without a reason")
        accepted = result["outcome"] == "accepted" or (
            result["outcome"] == "duplicate" and result.get("original_outcome") != "rejected"
        )
        model = RESULT_MODELS.get(wire["kind"])
        if accepted and model is not None:
            try:
                result["result"] = model.model_validate(result.get("result")).model_dump()
            except ValidationError as exc:
                problems = describe_validation_error(exc)
                raise InvalidResponse(
                    f"push answer for a {wire['kind']} item has a bad result: {problems}"
                ) from None
    return results


def refuse_alone(store: Store, clock: Clock, wire: dict[str, Any], exc: RequestRefused) -> None:
    """The server refused a one-item request as a whole: that item fails, nothing else."""
    now = clock()
    reason = exc.code or f"http_{exc.status}"
    with store.write() as session:
        if not outbox.is_pending(session, wire["seq"]):
            return
        replies.apply_push_result_in(
            session, wire["seq"], "rejected", reason, exc.params, None, now
        )


def note_error(store: Store, batch: list[dict[str, Any]], error: str) -> None:
    with store.write() as session:
        outbox.note_error(session, [wire["seq"] for wire in batch], error)
