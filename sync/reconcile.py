"""Reconcile: after a sync, compare balances and counts with the server's.

For every resident it holds, the terminal states its last *confirmed* stamp
balance (the sum of its ledger entries), its debit balance (latest snapshot)
and how many server messages it holds. A mismatch is logged and the server's
snapshot for that resident is applied in one transaction: every object in it
goes through ``kiosk.feed.apply_change`` (idempotent; ledger entries are
deduplicated by server id), and the debit balance is recorded as of the
snapshot. Local ledger entries are append-only, so an entry the server does
not know is never deleted: when the ledger still disagrees with the server's
stamp balance after the snapshot, ``kiosk.ledger.correct_to_server`` appends a
correcting adjustment (logged, and shown to the resident as a correction). A
snapshot the core refuses (an implausible ledger entry) refuses the whole
answer: nothing of it is kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from kiosk import feed, ledger, tallies
from kiosk.clock import Clock, utcnow
from kiosk.errors import ServerDataError
from kiosk.store import IntegrityError, Session, Store
from sync.client import SyncClient
from sync.errors import InvalidResponse
from sync.protocol import ReconcileResponse, ResidentSnapshot
from sync.validation import parse_answer

log = logging.getLogger(__name__)

MAX_RESIDENTS_PER_REQUEST = 2000


@dataclass
class ReconcileReport:
    residents: int = 0
    mismatches: list[tuple[str, str, int, int]] = field(default_factory=list)
    snapshots_applied: int = 0
    corrections: int = 0  # residents whose ledger took a correcting entry


def local_counts(store: Store) -> list[dict[str, object]]:
    """What this terminal believes, per resident, as the reconcile request states it.

    The figures are the ones the resident sees (``kiosk.tallies``): confirmed
    stamps and the latest debit snapshot.
    """
    with store.read() as session:
        held = tallies.per_resident(session)
    return [
        {
            "resident_id": tally.resident_id,
            "stamps": tally.stamps,
            "debit_cents": tally.debit_cents,
            "messages": tally.messages,
        }
        for tally in held
    ]


def apply_snapshot(session: Session, snapshot: ResidentSnapshot, now: datetime) -> int:
    """Bring one resident's local state to the server's snapshot (in the caller's transaction).

    Returns the stamps of the correcting entry appended (0 if the ledger agreed).
    An object the core refuses (an implausible ledger entry...) raises.
    """
    feed.apply_change(session, "resident", snapshot.resident.model_dump(), now)
    session.flush()
    for contact in snapshot.contacts:
        feed.apply_change(session, "contact", contact.model_dump(), now)
    session.flush()
    for entry in snapshot.ledger:
        feed.apply_change(session, "ledger_entry", entry.model_dump(), now)
    for message in snapshot.messages:
        feed.apply_change(session, "message", message.model_dump(), now)
    for outbound in snapshot.outbound:  # protocol 1.1: written on another device, whole
        feed.apply_change(session, "outbound_message", outbound.model_dump(), now)
    session.flush()
    for status in snapshot.statuses:
        feed.apply_change(session, "message_status", status.model_dump(), now)
    for read in snapshot.reads:
        feed.apply_change(session, "message_read", read.model_dump(), now)
    debit = {
        "resident_id": snapshot.resident.resident_id,
        "cents": snapshot.debit_cents,
        "as_of": snapshot.as_of,
    }
    feed.apply_change(session, "debit_balance", debit, now)
    session.flush()
    rid = snapshot.resident.resident_id
    delta = ledger.correct_to_server(session, rid, snapshot.stamps, snapshot.as_of)
    if delta:
        log.warning(
            "reconcile: resident %s's ledger differs from the server's balance (%d); "
            "appended a correction of %+d stamps",
            rid,
            snapshot.stamps,
            delta,
        )
    return delta


def reconcile(store: Store, client: SyncClient, *, clock: Clock = utcnow) -> ReconcileReport:
    """Compare with the server; take its snapshot wherever the figures differ."""
    report = ReconcileReport()
    counts = local_counts(store)
    report.residents = len(counts)
    if not counts:
        return report  # nobody here yet: nothing to compare
    for start in range(0, len(counts), MAX_RESIDENTS_PER_REQUEST):
        chunk = counts[start : start + MAX_RESIDENTS_PER_REQUEST]
        raw = client.reconcile(chunk)
        answer = parse_answer(raw, ReconcileResponse, "reconcile answer")
        asked = {c["resident_id"] for c in chunk}
        for mismatch in answer.mismatches:
            log.warning(
                "reconcile: resident %s %s is %d here, %d on the server; taking the server's",
                mismatch.resident_id,
                mismatch.field,
                mismatch.terminal,
                mismatch.server,
            )
            report.mismatches.append(
                (mismatch.resident_id, mismatch.field, mismatch.terminal, mismatch.server)
            )
        snapshots = [s for s in answer.snapshots if s.resident.resident_id in asked]
        if snapshots:
            now = clock()
            try:
                with store.write() as session:
                    for snapshot in snapshots:
                        if apply_snapshot(session, snapshot, now):
                            report.corrections += 1
            except (ServerDataError, ValueError, KeyError, IntegrityError) as exc:
                # Nothing of the answer is kept (one transaction); asked again next time.
                log.error("refused a reconcile answer the core cannot apply: %s", exc)
                raise InvalidResponse(f"reconcile answer cannot be applied: {exc}") from exc
            report.snapshots_applied += len(snapshots)
    return report
