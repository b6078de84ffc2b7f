"""The facade the screens use: one method per thing a screen needs.

The UI calls :class:`Core` from its background primitive, never from the Qt
thread (every method may touch the database). Methods return frozen
dataclasses from :mod:`kiosk.views`; refusals are :class:`kiosk.errors.Refusal`
with a code and parameters, which the UI translates.

One resident at a time is signed in. Methods that act for a resident raise
``Refusal('not_signed_in')`` without a session and ``Refusal('session_expired',
ending=...)`` once the session has timed out: the UI then calls
:meth:`Core.end_session` with the unfinished text it holds, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.auth import Authenticator
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.policy import Policy
from kiosk.store.database import Store
from kiosk.store.models import ContactState, Payment
from kiosk.views import (
    Balances,
    ContactView,
    ConversationView,
    DraftInput,
    DraftView,
    EndReason,
    FacilityStatus,
    MessagePage,
    MessageView,
    PageCursor,
    PurchaseView,
    Quote,
    Receipt,
    ResidentView,
    SentReply,
    SessionState,
    SignedIn,
    StampProduct,
)


class Core:
    """Domain services for one terminal, bound to its store, settings and clock."""

    def __init__(
        self, store: Store, settings: Settings, clock: Clock, authenticator: Authenticator
    ) -> None:
        raise NotImplementedError

    # -- facility -----------------------------------------------------------------
    def policy(self) -> Policy:
        """The cached facility policy (defaults until the server sent one)."""
        raise NotImplementedError

    def facility_status(self) -> FacilityStatus:
        """Open now? When does it open next? Is messaging suspended (and why)?"""
        raise NotImplementedError

    # -- sessions -----------------------------------------------------------------
    def sign_in(self, facility_number: str, pin: str) -> SignedIn:
        """Sign a resident in (server first, cached verifier when offline).

        Refusals: ``invalid_credentials``, ``account_locked`` (until),
        ``offline_unknown_resident``, ``closed`` (opens_at), ``already_signed_in``.
        """
        raise NotImplementedError

    def session_state(self) -> SessionState | None:
        """The current session's phase (None when nobody is signed in); poll it ~1/s."""
        raise NotImplementedError

    def touch(self) -> SessionState:
        """The resident did something: restart the idle timer (the cap keeps running)."""
        raise NotImplementedError

    def end_session(self, reason: EndReason, drafts: Sequence[DraftInput] = ()) -> None:
        """End the session (sign-out, idle, cap), keeping ``drafts`` as drafts. Idempotent."""
        raise NotImplementedError

    def resident(self) -> ResidentView:
        """The signed-in resident's profile."""
        raise NotImplementedError

    # -- contacts -----------------------------------------------------------------
    def contacts(self, state: ContactState | None = None) -> tuple[ContactView, ...]:
        """The resident's contacts, optionally only those in ``state``, by name."""
        raise NotImplementedError

    def block_contact(self, contact_id: str) -> ContactView:
        """Block an approved contact (queued to the server)."""
        raise NotImplementedError

    def unblock_contact(self, contact_id: str) -> ContactView:
        """Unblock a contact the resident blocked."""
        raise NotImplementedError

    # -- messages -----------------------------------------------------------------
    def conversations(self) -> tuple[ConversationView, ...]:
        """One row per contact with messages: unread count and newest message."""
        raise NotImplementedError

    def inbox_page(self, before: PageCursor | None = None, limit: int = 50) -> MessagePage:
        """All visible messages, newest first, one keyset page at a time."""
        raise NotImplementedError

    def thread_page(
        self, contact_id: str, before: PageCursor | None = None, limit: int = 50
    ) -> MessagePage:
        """One contact's visible messages, newest first, with status timelines."""
        raise NotImplementedError

    def message(self, message_id: int) -> MessageView:
        """One message of the signed-in resident (``Refusal('not_found')`` otherwise)."""
        raise NotImplementedError

    def mark_read(self, message_id: int) -> MessageView:
        """Mark an inbound message read (once; queued to the server)."""
        raise NotImplementedError

    def hide_message(self, message_id: int) -> None:
        """Hide a message from the resident's views (the UI confirmed first)."""
        raise NotImplementedError

    # -- compose ------------------------------------------------------------------
    def quote(self, contact_id: str, in_reply_to: int | None, text: str) -> Quote:
        """How this reply would be paid, or the Refusal that stops it."""
        raise NotImplementedError

    def send_reply(
        self,
        contact_id: str,
        in_reply_to: int | None,
        text: str,
        *,
        expected_payment: Payment | None = None,
        draft_id: int | None = None,
    ) -> SentReply:
        """Queue the reply, pay it, drop its draft, all at once.

        ``expected_payment`` is what the compose screen showed; if it no longer
        applies the send is refused with ``payment_changed`` (quote again).
        """
        raise NotImplementedError

    def buy_and_send(
        self,
        product_id: str,
        contact_id: str,
        in_reply_to: int | None,
        text: str,
        *,
        draft_id: int | None = None,
    ) -> SentReply:
        """Buy a stamp product and queue a reply paid from it (sent after the purchase)."""
        raise NotImplementedError

    # -- drafts -------------------------------------------------------------------
    def drafts(self) -> tuple[DraftView, ...]:
        """The resident's drafts, newest first."""
        raise NotImplementedError

    def save_draft(
        self, contact_id: str, in_reply_to: int | None, body: str, draft_id: int | None = None
    ) -> DraftView:
        """Create or update a draft."""
        raise NotImplementedError

    def delete_draft(self, draft_id: int) -> None:
        """Discard a draft (the UI confirmed first)."""
        raise NotImplementedError

    # -- stamps -------------------------------------------------------------------
    def products(self) -> tuple[StampProduct, ...]:
        """Stamp products on sale at this facility."""
        raise NotImplementedError

    def buy_stamps(self, product_id: str) -> PurchaseView:
        """Queue a purchase; the stamps become spendable once the server confirms."""
        raise NotImplementedError

    def balances(self) -> Balances:
        """Confirmed, held, spendable and pending stamps; the debit balance and its date."""
        raise NotImplementedError

    def receipts(self, limit: int = 200) -> tuple[Receipt, ...]:
        """Receipt history, newest first: every ledger entry and each pending hold."""
        raise NotImplementedError
