"""What the core hands to the screens: plain frozen dataclasses, never ORM objects.

ORM rows belong to a database session; these values outlive it, can cross
threads, and hold nothing that can write back to the store. Every time is
timezone-aware UTC; money is integer cents, stamps integer counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# The views' vocabulary, re-exported: the screens name these without reaching into the store.
from kiosk.store.models import ContactState as ContactState
from kiosk.store.models import Direction as Direction
from kiosk.store.models import HoldKind as HoldKind
from kiosk.store.models import HoldState as HoldState
from kiosk.store.models import LedgerKind as LedgerKind
from kiosk.store.models import OutboundStatus as OutboundStatus
from kiosk.store.models import Payment as Payment

SessionPhase = Literal["active", "warning", "expired"]
SessionEnding = Literal["idle", "cap", "closed"]
EndReason = Literal["sign_out", "idle", "cap", "closed", "wipe", "failure"]


@dataclass(frozen=True)
class ResidentView:
    """The signed-in resident's profile as this terminal knows it."""

    resident_id: str
    facility_number: str
    display_name: str
    housing_unit: str
    language: str
    restricted_until: datetime | None
    restriction_reason: str | None


@dataclass(frozen=True)
class AccountNotice:
    """What the review and retention notice says, and whether this resident saw it here."""

    retention_days: int | None  # None: the facility's policy does not say
    refund_on_reject: bool
    cod_allowed: bool
    stamps_per_message: int
    seen: bool  # acknowledged on this terminal (the notice shows once per resident)


@dataclass(frozen=True)
class SessionState:
    """Where a session stands at a moment.

    ``phase`` is ``active``, ``warning`` (ends in ``seconds_left`` unless the
    resident acts; ``ending`` says whether idle, the cap or the facility's
    closing time ends it) or ``expired`` (``ending`` says why).
    """

    phase: SessionPhase
    seconds_left: int
    ending: SessionEnding


@dataclass(frozen=True)
class FacilityStatus:
    """Whether residents can use the terminal now, and if not until when."""

    open_now: bool
    next_opening: datetime | None  # None: no hours configured (always open)
    messaging_suspended: bool
    suspended_reason: str | None


@dataclass(frozen=True)
class ContactView:
    contact_id: str
    display_name: str
    relationship: str
    state: ContactState
    accepts_cod: bool
    state_reason: str | None = None  # why staff suspended it, in their words (1.8)


@dataclass(frozen=True)
class StatusStep:
    """One step of an outbound message's status timeline."""

    status: OutboundStatus
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class MediaItem:
    kind: str  # photo | ecard | video (a VideoGram)
    media_id: str
    caption: str


@dataclass(frozen=True)
class MessageView:
    """One message of a thread or of the inbox."""

    message_id: int  # local id: the handle the UI passes back
    contact_id: str
    direction: Direction
    body: str
    sort_at: datetime
    media: tuple[MediaItem, ...] = ()
    has_return_stamp: bool = False
    return_stamp_used: bool = False
    read_at: datetime | None = None
    status: OutboundStatus | None = None
    status_reason: str | None = None
    payment: Payment | None = None
    stamps_cost: int = 0
    in_reply_to: int | None = None
    timeline: tuple[StatusStep, ...] = ()


@dataclass(frozen=True)
class PageCursor:
    """Where the next (older) page starts: keyset, never an offset."""

    sort_at: datetime
    message_id: int


@dataclass(frozen=True)
class MessagePage:
    """Newest first; ``next_cursor`` is None when there is nothing older."""

    messages: tuple[MessageView, ...]
    next_cursor: PageCursor | None


@dataclass(frozen=True)
class ConversationView:
    """One contact's thread in the conversation list."""

    contact: ContactView
    unread: int
    last_message: MessageView | None


@dataclass(frozen=True)
class DraftView:
    draft_id: int
    contact_id: str
    in_reply_to: int | None
    body: str
    origin: str  # typed | rejected | session_end
    updated_at: datetime
    rejected_message_id: int | None = None  # origin "rejected": the reply rejected


@dataclass(frozen=True)
class DraftInput:
    """Unfinished text the UI hands over when a session ends."""

    contact_id: str
    body: str
    in_reply_to: int | None = None
    draft_id: int | None = None


@dataclass(frozen=True)
class Quote:
    """What a reply would cost and how it would be paid, shown before Send."""

    payment: Payment
    stamps: int  # stamps taken from the resident (0 for return stamp and COD)
    chars: int
    max_chars: int
    # COD: what the recipient pays to open it (policy, 1.8); None: the server did not say.
    cod_price_cents: int | None = None


@dataclass(frozen=True)
class SentReply:
    message: MessageView
    outbox_item_id: int


@dataclass(frozen=True)
class StampProduct:
    product_id: str
    name: str
    stamps: int
    price_cents: int


@dataclass(frozen=True)
class PurchaseView:
    hold_id: int
    client_id: str
    product_id: str
    stamps: int
    price_cents: int
    outbox_item_id: int


@dataclass(frozen=True)
class Balances:
    """Stamp and debit figures: confirmed by the server, and what is pending on top."""

    confirmed: int  # sum of the resident's ledger entries
    held: int  # committed to queued replies (pending SPEND holds)
    spendable: int  # confirmed - held
    pending_purchases: int  # bought, waiting for the server (pending PURCHASE holds)
    pending_purchase_cents: int
    debit_cents: int | None  # last confirmed debit balance; None if never received
    debit_as_of: datetime | None


@dataclass(frozen=True)
class Receipt:
    """One line of the receipt history: a ledger entry, a hold still pending, or a refused purchase.

    A refused purchase has ``hold_state`` VOIDED and ``reason`` the server's code
    (``insufficient_funds``...), which the UI translates.
    """

    at: datetime
    kind: LedgerKind | HoldKind
    stamps: int  # signed
    cents: int  # signed
    memo: str
    pending: bool
    reference: str | None = None
    hold_state: HoldState | None = None
    reason: str | None = None
    correction: bool = False  # a reconcile correction to the server's balance, not a purchase...


@dataclass(frozen=True)
class WaitingToSend:
    """What of the signed-in resident's still waits for the server: replies and purchases."""

    replies: int  # outbound messages still queued on this terminal
    purchases: int  # stamp purchases not yet confirmed or refused


@dataclass(frozen=True)
class SignedIn:
    """Answer of a successful sign-in."""

    resident: ResidentView
    session_id: str
    started_at: datetime
    offline: bool  # verified against the cached verifier, not the server
    drafts: tuple[DraftView, ...] = field(default=())
