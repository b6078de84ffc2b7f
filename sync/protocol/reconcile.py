"""Reconcile (``POST /v1/reconcile``): the terminal states what it holds; the server corrects it.

For each resident the terminal sends its last *confirmed* stamp and debit
balances and how many server messages it holds (inbound approved plus outbound
accepted; before minor 1, only the outbound ones that terminal wrote).
Any difference yields a :class:`ResidentSnapshot`: the authoritative
state, which the terminal applies in place of its own.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from sync.protocol.changes import (
    ContactData,
    Cursor,
    LedgerEntryData,
    MessageData,
    MessageReadData,
    MessageStatusData,
    OutboundMessageData,
    ResidentData,
)
from sync.protocol.common import Cents, Id, Stamps, UtcTime, WireModel

Count = Annotated[int, Field(ge=0, le=10_000_000)]


class ResidentCounts(WireModel):
    resident_id: Id
    stamps: Stamps
    debit_cents: Cents
    messages: Count


class ReconcileRequest(WireModel):
    residents: list[ResidentCounts] = Field(max_length=2000)


class Mismatch(WireModel):
    """One figure that differs: ``field`` is stamps, debit_cents or messages."""

    resident_id: Id
    field: Literal["stamps", "debit_cents", "messages"]
    terminal: int
    server: int


class ResidentSnapshot(WireModel):
    """The server's whole truth for one resident, as of ``cursor`` in the feed."""

    resident: ResidentData
    contacts: list[ContactData] = Field(max_length=1000)
    stamps: Stamps
    debit_cents: Cents
    ledger: list[LedgerEntryData] = Field(max_length=100_000)
    messages: list[MessageData] = Field(max_length=100_000)
    statuses: list[MessageStatusData] = Field(max_length=100_000)
    #: Minor 1: the resident's own messages, whole, and which inbound ones were read.
    outbound: list[OutboundMessageData] = Field(default_factory=list, max_length=100_000)
    reads: list[MessageReadData] = Field(default_factory=list, max_length=100_000)
    cursor: Cursor
    as_of: UtcTime


class ReconcileResponse(WireModel):
    mismatches: list[Mismatch] = Field(max_length=6000)
    snapshots: list[ResidentSnapshot] = Field(max_length=2000)
