"""The one place where the core's refusal codes become sentences a resident reads.

:func:`describe` takes a :class:`kiosk.errors.Refusal` (code + parameters) and
returns a translated sentence that says what happened and what to do. A code
this table does not know still gets a calm, translated sentence (never a
traceback); the code itself goes to the log for IT.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication

from kiosk.errors import Refusal
from ui.counts import counts
from ui.formatting import day_and_time, full_date_and_time, minutes_left, time_of_day

log = logging.getLogger(__name__)


KNOWN_CODES = frozenset(
    [
        "invalid_credentials",
        "account_locked",
        "throttled",
        "clock_wrong",
        "offline_unknown_resident",
        "closed",
        "not_signed_in",
        "session_expired",
        "already_signed_in",
        "not_found",
        "payment_changed",
        "insufficient_stamps",
        "insufficient_funds",
        "contact_blocked",
        "contact_not_approved",
        "contact_suspended",
        "restricted",
        "messaging_suspended",
        "cod_not_allowed",
        "return_stamp_unavailable",
        "too_long",
        "empty",
        "empty_message",
        "unknown_product",
        "price_changed",
        "reply_target_invalid",
        "product_too_small",
        "contact_not_blocked",
        "contact_not_blockable",
        "server_error_repeated",
        "resident_unproven",
    ]
)


def _until(params: dict[str, object], key: str = "until") -> datetime | None:
    value = params.get(key)
    return value if isinstance(value, datetime) else None


def describe(refusal: Refusal, now: datetime | None = None) -> str:
    """A translated sentence for ``refusal`` (plus the facility's own reason, when it gave one)."""
    sentence = _sentence(refusal, now)
    reason = refusal.params.get("reason")
    if refusal.code in ("restricted", "messaging_suspended") and isinstance(reason, str) and reason:
        return sentence + "\n" + reason
    return sentence


def _sentence(refusal: Refusal, now: datetime | None) -> str:
    now = now or datetime.now(UTC)
    code, params = refusal.code, refusal.params
    until = _until(params)
    translate = QCoreApplication.translate
    if code == "invalid_credentials":
        return translate(
            "Refusal", "That facility ID and PIN do not match. Check both and try again."
        )
    if code == "account_locked":
        if until is None:
            return translate(
                "Refusal", "Too many tries. This account is locked for now; try again later."
            )
        return translate(
            "Refusal",
            "Too many tries. This account is locked. Try again in {minutes} min (at {time}).",
        ).format(minutes=minutes_left(until, now), time=time_of_day(until))
    if code == "throttled":
        # The server answered (429): never "offline". Tell how long to wait.
        seconds = params.get("seconds")
        if isinstance(seconds, int) and seconds > 0:
            return counts().server_busy(seconds)
        return translate("Refusal", "The server is busy. Please wait a moment, then try again.")
    if code == "clock_wrong":
        # The server answered: never "offline". Only IT can set the clock.
        return translate(
            "Refusal",
            "This terminal's clock is wrong, so it cannot check your PIN. "
            "Please tell staff: facility IT must set the clock.",
        )
    if code == "offline_unknown_resident":
        return translate(
            "Refusal",
            "This terminal is offline and has not seen this ID before. "
            "Sign in once while it is online, or use another terminal.",
        )
    if code == "closed":
        opens = _until(params, "opens_at")
        if opens is None:
            return translate("Refusal", "Messaging is closed right now.")
        return translate("Refusal", "Messaging is closed. It opens again {when}.").format(
            when=day_and_time(opens)
        )
    if code in ("not_signed_in", "session_expired"):
        return translate("Refusal", "Your session has ended. Please sign in again.")
    if code == "already_signed_in":
        return translate("Refusal", "Someone is still signed in here. Please wait a moment.")
    if code == "not_found":
        return translate("Refusal", "That item is no longer here.")
    if code == "payment_changed":
        return translate(
            "Refusal", "How this reply is paid has changed. Check the new payment line, then send."
        )
    if code == "insufficient_stamps":
        return translate(
            "Refusal", "You do not have enough stamps for this reply. Buy stamps first."
        )
    if code == "insufficient_funds":
        return translate(
            "Refusal", "Your debit account does not have enough money for this purchase."
        )
    if code == "contact_blocked":
        return translate(
            "Refusal", "You blocked this contact. Unblock them in Contacts to write to them."
        )
    if code == "contact_not_approved":
        return translate(
            "Refusal", "This contact is not approved yet, so you cannot write to them."
        )
    if code == "contact_suspended":
        return translate(
            "Refusal", "The facility has suspended this contact, so you cannot write to them."
        )
    if code == "restricted":
        if until is None:
            return translate("Refusal", "You can read messages but not send them for now.")
        # A date, not a weekday: a restriction may end weeks from now.
        return translate("Refusal", "You can read messages but not send them until {when}.").format(
            when=full_date_and_time(until)
        )
    if code == "messaging_suspended":
        return translate(
            "Refusal", "The facility has paused all messaging for now. You can still read."
        )
    if code == "cod_not_allowed":
        return translate("Refusal", "Collect replies are not possible for this contact.")
    if code == "return_stamp_unavailable":
        return translate("Refusal", "The return stamp on that message was already used.")
    if code == "too_long":
        limit = params.get("max_chars", params.get("limit"))
        if isinstance(limit, int):
            return translate(
                "Refusal", "This reply is too long. The limit is {limit} characters."
            ).format(limit=limit)
        return translate("Refusal", "This reply is too long. Shorten it, then send.")
    if code in ("empty", "empty_message"):
        return translate("Refusal", "Write something before sending.")
    if code == "unknown_product":
        return translate("Refusal", "That stamp book is no longer on sale.")
    if code == "price_changed":
        return translate("Refusal", "The price changed. Check the new price and try again.")
    if code == "reply_target_invalid":
        return translate("Refusal", "That message cannot be answered. Start a new reply instead.")
    if code == "product_too_small":
        return translate(
            "Refusal", "That stamp book has too few stamps for this reply. Choose a bigger one."
        )
    if code == "contact_not_blocked":
        return translate("Refusal", "This contact is not blocked.")
    if code == "contact_not_blockable":
        return translate("Refusal", "Only approved contacts can be blocked.")
    if code == "server_error_repeated":
        return translate(
            "Refusal",
            "The server could not take this after several tries. Nothing was charged. "
            "Try again, or ask staff.",
        )
    if code == "resident_unproven":
        return translate(
            "Refusal",
            "The server could not confirm that you did this on this terminal. Nothing was "
            "charged. Sign in again, then try again.",
        )
    log.warning("no sentence for refusal code %s", code)
    return translate(
        "Refusal", "This could not be done right now. If it keeps happening, ask staff for help."
    )


def describe_error(_exc: BaseException) -> str:
    """A calm sentence for an unexpected failure (details go to the log, not the screen)."""
    return QCoreApplication.translate(
        "Refusal",
        "Something went wrong on this terminal. Your work is saved. Try again, or ask staff.",
    )


def describe_reason(reason: str | None) -> str:
    """A rejection reason: a server code becomes a sentence; the facility's own words stay."""
    if not reason:
        return ""
    if reason in KNOWN_CODES:
        return describe(Refusal(reason))
    return reason
