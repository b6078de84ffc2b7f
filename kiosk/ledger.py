"""The server's ledger entries on the terminal: checked, booked once, read back as receipts.

Every change of a stamp balance is an entry the server booked (purchase,
transfer in, spend, refund, adjustment); the terminal keeps a copy of each,
deduplicated by server id, and the confirmed balance is their sum
(:mod:`kiosk.stamps`). Booking an entry posts the hold it confirms.

The server is not trusted blindly: :func:`book_entry` refuses an entry whose
sign or size is implausible for its kind (:func:`check_plausible`; a purchase
adds stamps, a spend takes them, a refund and a transfer in give them, no
entry moves more than :data:`MAX_ENTRY_STAMPS`), and the caller refuses the
whole page or answer it came in. The server's authority over a balance acts
only through reconcile: :func:`correct_to_server` appends a correcting
adjustment (shown as a correction in the receipts; the ledger is
append-only) so that the confirmed balance equals the server's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.clock import server_time
from kiosk.errors import ServerDataError
from kiosk.stamps import HOLDS_CACHE, hold_by_client_id, resolve_hold
from kiosk.store import bulk
from kiosk.store.models import Hold, HoldKind, HoldState, LedgerEntry, LedgerKind
from kiosk.views import Receipt

# Which pending hold a ledger entry confirms, when its reference names one.
_POSTS = {LedgerKind.SPEND: HoldKind.SPEND, LedgerKind.PURCHASE: HoldKind.PURCHASE}

#: The most stamps one entry other than an adjustment moves: a book on sale has at
#: most 1,000 (``sync.protocol.policy``), a reply costs a few.
MAX_ENTRY_STAMPS = 1_000
#: The most money one entry moves: $100,000, far above any purchase or deposit.
MAX_ENTRY_CENTS = 10_000_000
#: Server ids of correcting entries start so; a server id cannot (it starts with a
#: letter or digit), so a correction is never taken for, or hidden by, a server entry.
CORRECTION_PREFIX = "~correction:"
CORRECTION_MEMO = "reconcile correction"


# Which entries a session already holds, filled by :func:`prefetch_bookings`.
_BOOKED = "ledger_booked_by_server_id"


def prefetch_bookings(session: Session, entries: Iterable[Mapping[str, Any]]) -> None:
    """Look up, in a few queries, which of these ledger entries are booked and the holds they name.

    For booking a whole push answer at once: :func:`book_entry` and
    :func:`hold_by_client_id` then answer from the session instead of one query
    (and one autoflush) per entry. Only for the rest of the caller's transaction;
    anything not prefetched is still looked up.
    """
    entries = list(entries)
    server_ids = list(dict.fromkeys(str(e["entry_id"]) for e in entries))
    references = list(dict.fromkeys(str(e["reference"]) for e in entries if e.get("reference")))
    booked: dict[str, bool] = session.info.setdefault(_BOOKED, {})
    holds: dict[str, Hold] = session.info.setdefault(HOLDS_CACHE, {})
    for chunk in bulk.chunks(server_ids):
        found = set(
            session.scalars(select(LedgerEntry.server_id).where(LedgerEntry.server_id.in_(chunk)))
        )
        for server_id in chunk:
            booked[server_id] = server_id in found
    for chunk in bulk.chunks(references):
        for hold in session.scalars(
            select(Hold).where(Hold.client_id.in_(chunk)).order_by(Hold.id)
        ):
            holds.setdefault(hold.client_id, hold)


def check_plausible(entry: Mapping[str, Any]) -> None:
    """Raise :class:`ServerDataError` for an entry whose sign or size cannot be right.

    A purchase adds stamps (and takes money or nothing), a spend takes stamps, a
    refund and a transfer in give stamps (and never take money); an adjustment may
    go either way. No entry but an adjustment moves more than
    :data:`MAX_ENTRY_STAMPS`; none moves more than :data:`MAX_ENTRY_CENTS`.
    """
    kind = LedgerKind(entry["kind"])
    count, cents = int(entry["stamps"]), int(entry.get("cents", 0))
    where = f"ledger entry {str(entry['entry_id'])[:64]!r} ({kind.value})"
    if abs(cents) > MAX_ENTRY_CENTS:
        raise ServerDataError(f"{where} moves {cents} cents; more than {MAX_ENTRY_CENTS}")
    if kind is LedgerKind.ADJUSTMENT:
        return
    if abs(count) > MAX_ENTRY_STAMPS:
        raise ServerDataError(f"{where} moves {count} stamps; more than {MAX_ENTRY_STAMPS}")
    plausible = {
        LedgerKind.PURCHASE: count > 0 and cents <= 0,
        LedgerKind.SPEND: count < 0 and cents <= 0,
        LedgerKind.REFUND: count >= 0 and cents >= 0 and (count or cents) != 0,
        LedgerKind.TRANSFER_IN: count > 0 and cents >= 0,
    }[kind]
    if not plausible:
        raise ServerDataError(f"{where} has an implausible sign: {count} stamps, {cents} cents")


def book_entry(session: Session, entry: dict[str, Any], now: datetime) -> bool:
    """Insert a server ledger entry unless already booked; post the hold it confirms.

    ``entry`` holds ``entry_id, resident_id, kind, stamps, cents, memo, reference,
    booked_at`` (already validated). Returns True if it was new. An implausible
    entry (:func:`check_plausible`) raises :class:`ServerDataError`, booked or not.
    """
    check_plausible(entry)
    server_id = str(entry["entry_id"])
    booked: dict[str, bool] | None = session.info.get(_BOOKED)
    known = None if booked is None else booked.get(server_id)
    if known is None:
        known = (
            session.scalar(select(LedgerEntry.id).where(LedgerEntry.server_id == server_id))
            is not None
        )
    if known:
        return False
    if booked is not None:
        booked[server_id] = True
    kind = LedgerKind(entry["kind"])
    reference = entry.get("reference")
    session.add(
        LedgerEntry(
            server_id=server_id,
            resident_id=entry["resident_id"],
            kind=kind,
            stamps=int(entry["stamps"]),
            cents=int(entry.get("cents", 0)),
            memo=str(entry.get("memo") or "")[:200],
            reference=reference,
            booked_at=entry["booked_at"],
        )
    )
    hold_kind = _POSTS.get(kind)
    if reference and hold_kind is not None:
        hold = hold_by_client_id(session, str(reference))
        if hold is not None and hold.kind == hold_kind:
            resolve_hold(hold, HoldState.POSTED, now)
    # No flush here: the next query autoflushes, so a whole push answer is written in
    # one flush (one executemany per table) instead of one per entry.
    return True


def correct_to_server(
    session: Session, resident_id: str, server_stamps: int, as_of: datetime | str
) -> int:
    """Append the entry that brings the confirmed balance to the server's; the delta moved.

    For reconcile, after the server's snapshot (``as_of``) was applied: entries
    booked after it are left out of the comparison (they are news the snapshot
    cannot know). The ledger is append-only, so what the server does not
    recognise (an entry an older terminal took from a bad page...) is undone by a
    correcting adjustment, which the receipts show as a correction.
    """
    as_of = server_time(as_of)
    held = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.stamps), 0)).where(
            LedgerEntry.resident_id == resident_id, LedgerEntry.booked_at <= as_of
        )
    )
    delta = server_stamps - int(held or 0)
    if delta == 0:
        return 0
    session.add(
        LedgerEntry(
            server_id=CORRECTION_PREFIX + uuid.uuid4().hex,
            resident_id=resident_id,
            kind=LedgerKind.ADJUSTMENT,
            stamps=delta,
            cents=0,
            memo=CORRECTION_MEMO,
            reference=None,
            booked_at=as_of,
        )
    )
    session.flush()
    return delta


def is_correction(entry: LedgerEntry) -> bool:
    """Whether a ledger entry is a reconcile correction (not one the server booked)."""
    return entry.server_id.startswith(CORRECTION_PREFIX)


def receipts(session: Session, resident_id: str, limit: int = 200) -> list[Receipt]:
    """Receipt history, newest first: ledger entries, pending holds and refused purchases.

    A refused purchase (a VOIDED purchase hold) stays in the history with the
    server's reason code, so the resident learns why nothing was added.
    """
    entries = session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.resident_id == resident_id)
        .order_by(LedgerEntry.booked_at.desc(), LedgerEntry.id.desc())
        .limit(limit)
    )
    lines = [
        Receipt(
            at=e.booked_at,
            kind=e.kind,
            stamps=e.stamps,
            cents=e.cents,
            memo=e.memo,
            pending=False,
            reference=e.reference,
            correction=is_correction(e),
        )
        for e in entries
    ]
    holds = session.scalars(
        select(Hold)
        .where(
            Hold.resident_id == resident_id,
            (Hold.state == HoldState.PENDING)
            | ((Hold.state == HoldState.VOIDED) & (Hold.kind == HoldKind.PURCHASE)),
        )
        .order_by(Hold.created_at.desc(), Hold.id.desc())
        .limit(limit)
    )
    for h in holds:
        sign = 1 if h.kind == HoldKind.PURCHASE else -1
        pending = h.state == HoldState.PENDING
        lines.append(
            Receipt(
                at=h.created_at,
                kind=h.kind,
                stamps=sign * h.stamps,
                cents=-h.cents,
                memo=h.product_id or "",
                pending=pending,
                reference=h.client_id,
                hold_state=h.state,
                reason=None if pending else h.reason,
            )
        )
    lines.sort(key=lambda r: r.at, reverse=True)
    return lines[:limit]
