"""The facade the screens use: one method per thing a screen needs.

The UI calls :class:`Core` from its background primitive, never from the Qt
thread (every method may touch the database). Methods return frozen
dataclasses from :mod:`kiosk.views`; each write also reports the kinds of data
it changed (:mod:`kiosk.changes`) once it has committed. Refusals are
:class:`kiosk.errors.Refusal` with a code and parameters, which the UI
translates.

One resident at a time is signed in. Methods that act for a resident raise
``Refusal('not_signed_in')`` without a session and ``Refusal('session_expired',
ending=...)`` once the session has timed out: the UI then calls
:meth:`Core.end_session` with the unfinished text it holds, so nothing is lost.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session as DbSession

from kiosk import (
    compose,
    contacts,
    drafts,
    inbox,
    languages,
    ledger,
    notice,
    outbox,
    sessions,
    stamps,
)
from kiosk.auth import Authenticator
from kiosk.changes import Changes, report
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.errors import Refusal
from kiosk.policy import Policy, load_policy
from kiosk.store.database import Store
from kiosk.store.models import ContactState, Payment, Resident
from kiosk.views import (
    AccountNotice,
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
    WaitingToSend,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


class Core:
    """Domain services for one terminal, bound to its store, settings and clock."""

    def __init__(
        self, store: Store, settings: Settings, clock: Clock, authenticator: Authenticator
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._authenticator = authenticator
        self._lock = threading.RLock()  # one session object, possibly several worker threads
        self._session: sessions.Session | None = None
        self._sign_in_listeners: list[Callable[[str], None]] = []

    # -- helpers ------------------------------------------------------------------
    def _active(self) -> sessions.Session:
        with self._lock:
            session = self._session
            if session is None:
                raise Refusal("not_signed_in")
            state = session.state(self._clock())
            if state.phase == "expired":
                raise Refusal("session_expired", ending=state.ending)
            return session

    def _read(self, work: Callable[[DbSession, str], T]) -> T:
        resident_id = self._active().resident_id
        with self._store.read() as db:
            return work(db, resident_id)

    def _write(self, changes: Changes, work: Callable[[DbSession, str, Policy], T]) -> T:
        """Run ``work`` in one write transaction; report ``changes`` once it committed."""
        session = self._active()
        now = self._clock()
        session.touch(now)
        with self._store.write() as db:
            outbox.sign_for(db, session.resident_id, session.signer)
            policy = load_policy(db, self._settings.facility_id)
            result = work(db, session.resident_id, policy)
        report(changes)
        return result

    # -- facility -----------------------------------------------------------------
    def policy(self) -> Policy:
        """The cached facility policy (defaults until the server sent one)."""
        with self._store.read() as db:
            return load_policy(db, self._settings.facility_id)

    def facility_status(self) -> FacilityStatus:
        """Open now? When does it open next? Is messaging suspended (and why)?"""
        policy = self.policy()
        now = self._clock()
        return FacilityStatus(
            open_now=policy.is_open(now),
            next_opening=policy.next_opening(now),
            messaging_suspended=policy.messaging_suspended,
            suspended_reason=policy.suspended_reason,
        )

    # -- sessions -----------------------------------------------------------------
    def sign_in(self, facility_number: str, pin: str) -> SignedIn:
        """Sign a resident in (server first, cached verifier when offline).

        Refusals: ``invalid_credentials``, ``account_locked`` (until),
        ``offline_unknown_resident``, ``closed`` (opens_at), ``already_signed_in``.
        """
        with self._lock:
            if self._session is not None:
                raise Refusal("already_signed_in")
        session, resident = sessions.sign_in(
            self._store,
            self.policy(),
            self._settings.mode,
            self._authenticator,
            facility_number,
            pin,
            self._clock(),
        )
        with self._lock:
            if self._session is not None:
                raise Refusal("already_signed_in")
            self._session = session
        with self._store.read() as db:
            kept = tuple(drafts.to_view(d) for d in drafts.list_drafts(db, resident.resident_id))
        for listener in list(self._sign_in_listeners):
            try:
                listener(resident.resident_id)
            except Exception:  # the sign-in stands; a listener's bug must not undo it
                log.exception("sign-in listener failed")
        return SignedIn(resident, session.session_id, session.started_at, session.offline, kept)

    def add_sign_in_listener(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(resident_id)`` (on the signing-in thread) after each sign-in."""
        self._sign_in_listeners.append(listener)

    def session_state(self) -> SessionState | None:
        """The current session's phase (None when nobody is signed in); poll it ~1/s."""
        with self._lock:
            return None if self._session is None else self._session.state(self._clock())

    def touch(self) -> SessionState:
        """The resident did something: restart the idle timer (the cap keeps running)."""
        with self._lock:
            session = self._active()
            now = self._clock()
            session.touch(now)
            return session.state(now)

    def end_session(self, reason: EndReason, drafts: Sequence[DraftInput] = ()) -> None:
        """End the session (sign-out, idle, cap), keeping ``drafts`` as drafts. Idempotent."""
        with self._lock:
            session = self._session
            if session is None:
                return
            kept = sessions.end_session(self._store, session, reason, tuple(drafts), self._clock())
            self._session = None
        if kept:
            report(Changes.MESSAGES)  # the unfinished text is kept as drafts

    def resident(self) -> ResidentView:
        """The signed-in resident's profile."""

        def work(db: DbSession, resident_id: str) -> ResidentView:
            found = db.get(Resident, resident_id)
            if found is None:
                raise Refusal("not_found", what="resident", id=resident_id)
            return sessions.resident_view(found)

        return self._read(work)

    def choose_language(self, language: str) -> str:
        """Keep the resident's language choice on this terminal (applies at their next sign-in)."""
        now = self._clock()
        return self._write(
            Changes.NONE, lambda db, rid, _p: languages.choose_language(db, rid, language, now)
        )

    def account_notice(self) -> AccountNotice:
        """The notice of review and retention (from policy), and whether it was seen here."""
        policy = self.policy()
        return self._read(lambda db, rid: notice.account_notice(db, rid, policy))

    def acknowledge_notice(self) -> None:
        """The resident read the notice: it does not show at their next sign-in here."""
        now = self._clock()
        self._write(Changes.NONE, lambda db, rid, _p: notice.acknowledge(db, rid, now))

    # -- contacts -----------------------------------------------------------------
    def contacts(self, state: ContactState | None = None) -> tuple[ContactView, ...]:
        """The resident's contacts, optionally only those in ``state``, by name."""
        return self._read(
            lambda db, rid: tuple(
                contacts.to_view(c) for c in contacts.list_contacts(db, rid, state)
            )
        )

    def block_contact(self, contact_id: str) -> ContactView:
        """Block an approved contact (queued to the server)."""
        now = self._clock()
        return self._write(
            Changes.CONTACTS,
            lambda db, rid, _p: contacts.to_view(
                contacts.set_blocked(db, rid, contact_id, True, now)
            ),
        )

    def unblock_contact(self, contact_id: str) -> ContactView:
        """Unblock a contact the resident blocked."""
        now = self._clock()
        return self._write(
            Changes.CONTACTS,
            lambda db, rid, _p: contacts.to_view(
                contacts.set_blocked(db, rid, contact_id, False, now)
            ),
        )

    # -- messages -----------------------------------------------------------------
    def conversations(self) -> tuple[ConversationView, ...]:
        """One row per contact with messages: unread count and newest message."""
        return self._read(lambda db, rid: tuple(inbox.conversations(db, rid)))

    def inbox_page(self, before: PageCursor | None = None, limit: int = 50) -> MessagePage:
        """All visible messages, newest first, one keyset page at a time."""
        return self._read(lambda db, rid: inbox.inbox_page(db, rid, before, limit))

    def thread_page(
        self, contact_id: str, before: PageCursor | None = None, limit: int = 50
    ) -> MessagePage:
        """One contact's visible messages, newest first, with status timelines."""
        return self._read(lambda db, rid: inbox.thread_page(db, rid, contact_id, before, limit))

    def message(self, message_id: int) -> MessageView:
        """One message of the signed-in resident (``Refusal('not_found')`` otherwise)."""
        return self._read(lambda db, rid: inbox.get_message(db, rid, message_id))

    def mark_read(self, message_id: int) -> MessageView:
        """Mark an inbound message read (once; queued to the server)."""
        now = self._clock()

        def work(db: DbSession, rid: str, _policy: Policy) -> MessageView:
            inbox.mark_read(db, rid, message_id, now)
            db.flush()
            return inbox.get_message(db, rid, message_id)

        return self._write(Changes.MESSAGES, work)

    def mark_read_many(self, message_ids: Sequence[int]) -> tuple[int, ...]:
        """Mark inbound messages read in one transaction (one ``mark_read`` item each).

        Returns the ids that were unread and are read now; any id not the
        resident's refuses the whole batch (``not_found``) and nothing changes.
        """
        if not message_ids:
            return ()
        now = self._clock()
        return self._write(
            Changes.MESSAGES,
            lambda db, rid, _p: tuple(inbox.mark_many_read(db, rid, message_ids, now)),
        )

    def hide_message(self, message_id: int) -> None:
        """Hide a message from the resident's views (the UI confirmed first)."""
        now = self._clock()
        self._write(Changes.MESSAGES, lambda db, rid, _p: inbox.hide(db, rid, message_id, now))

    # -- compose ------------------------------------------------------------------
    def quote(self, contact_id: str, in_reply_to: int | None, text: str) -> Quote:
        """How this reply would be paid, or the Refusal that stops it."""
        now = self._clock()
        policy = self.policy()
        return self._read(
            lambda db, rid: compose.quote(db, policy, rid, contact_id, in_reply_to, text, now)
        )

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
        now = self._clock()

        def work(db: DbSession, rid: str, policy: Policy) -> SentReply:
            message, item = compose.send_reply(
                db,
                policy,
                rid,
                contact_id,
                in_reply_to,
                text,
                now,
                expected_payment=expected_payment,
                draft_id=draft_id,
            )
            return SentReply(inbox.get_message(db, rid, message.id), item.id)

        return self._write(Changes.MESSAGES | Changes.STAMPS, work)

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
        now = self._clock()

        def work(db: DbSession, rid: str, policy: Policy) -> SentReply:
            message, item = compose.buy_and_send(
                db, policy, rid, product_id, contact_id, in_reply_to, text, now, draft_id=draft_id
            )
            return SentReply(inbox.get_message(db, rid, message.id), item.id)

        return self._write(Changes.MESSAGES | Changes.STAMPS, work)

    # -- drafts -------------------------------------------------------------------
    def drafts(self) -> tuple[DraftView, ...]:
        """The resident's drafts, newest first."""
        return self._read(
            lambda db, rid: tuple(drafts.to_view(d) for d in drafts.list_drafts(db, rid))
        )

    def save_draft(
        self, contact_id: str, in_reply_to: int | None, body: str, draft_id: int | None = None
    ) -> DraftView:
        """Create or update a draft."""
        now = self._clock()
        return self._write(
            Changes.MESSAGES,
            lambda db, rid, _p: drafts.to_view(
                drafts.save_draft(db, rid, contact_id, in_reply_to, body, now, draft_id=draft_id)
            ),
        )

    def delete_draft(self, draft_id: int) -> None:
        """Discard a draft (the UI confirmed first)."""
        now = self._clock()
        self._write(
            Changes.MESSAGES, lambda db, rid, _p: drafts.discard_draft(db, rid, draft_id, now)
        )

    # -- stamps -------------------------------------------------------------------
    def products(self) -> tuple[StampProduct, ...]:
        """Stamp products on sale at this facility."""
        return tuple(
            StampProduct(p.product_id, p.name, p.stamps, p.price_cents)
            for p in self.policy().stamp_products
        )

    def buy_stamps(self, product_id: str) -> PurchaseView:
        """Queue a purchase; the stamps become spendable once the server confirms."""
        now = self._clock()

        def work(db: DbSession, rid: str, policy: Policy) -> PurchaseView:
            hold, item = stamps.purchase(db, policy, rid, product_id, now)
            return PurchaseView(
                hold.id, hold.client_id, product_id, hold.stamps, hold.cents, item.id
            )

        return self._write(Changes.STAMPS, work)

    def balances(self) -> Balances:
        """Confirmed, held, spendable and pending stamps; the debit balance and its date."""
        return self._read(stamps.balances)

    def receipts(self, limit: int = 200) -> tuple[Receipt, ...]:
        """Receipt history, newest first: ledger entries, pending holds, refused purchases."""
        return self._read(lambda db, rid: tuple(ledger.receipts(db, rid, limit)))

    def waiting_to_send(self) -> WaitingToSend:
        """The resident's replies and stamp purchases still waiting for the server."""
        return self._read(stamps.waiting_to_send)
