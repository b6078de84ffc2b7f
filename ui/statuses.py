"""Outbound statuses and payments as a resident reads them: the one table of their words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from ui.counts import counts
from ui.formatting import money, when

if TYPE_CHECKING:
    from kiosk.views import MediaItem

# Tone picks the badge colours in the theme: good, bad, wait or neutral ("").
TONES = {
    "queued": "",
    "sent": "",
    "pending_review": "wait",
    "delivered": "good",
    "rejected": "bad",
    "awaiting_payment": "wait",
    "opened": "good",
}


def status_name(status: str) -> str:
    """The badge text of an outbound status."""
    translate = QCoreApplication.translate
    names = {
        "queued": translate("Status", "Queued"),
        "sent": translate("Status", "Sent"),
        "pending_review": translate("Status", "Pending review"),
        "delivered": translate("Status", "Delivered"),
        "rejected": translate("Status", "Rejected"),
        "awaiting_payment": translate("Status", "Waiting for recipient to pay"),
        "opened": translate("Status", "Opened"),
    }
    return names.get(str(status), str(status))


def timeline_step(status: str, at: datetime, now: datetime | None = None) -> str:
    """One line of a message's status timeline, with its time."""
    translate = QCoreApplication.translate
    stamp = when(at, now)
    steps = {
        "queued": translate("Status", "Queued on this terminal {time}"),
        "sent": translate("Status", "Sent {time}"),
        "pending_review": translate("Status", "In review since {time}"),
        "delivered": translate("Status", "Delivered {time}"),
        "rejected": translate("Status", "Rejected {time}"),
        "awaiting_payment": translate(
            "Status", "Delivered, waiting for the recipient to pay, since {time}"
        ),
        "opened": translate("Status", "Opened {time}"),
    }
    return steps.get(str(status), str(status) + " {time}").format(time=stamp)


def payment_line(
    payment: str, stamps: int, contact_name: str, balance: int, cod_price_cents: int | None = None
) -> str:
    """The line shown above Send: how this reply is paid (and, sent collect, what the
    recipient pays, when the facility's policy says)."""
    translate = QCoreApplication.translate
    if str(payment) == "return_stamp":
        return translate("Payment", "Uses the return stamp from {name}").format(name=contact_name)
    if str(payment) == "cod" and cod_price_cents is not None:
        return translate("Payment", "Sent collect: {name} pays {price} to open it").format(
            name=contact_name, price=money(cod_price_cents)
        )
    if str(payment) == "cod":
        return translate("Payment", "Sent collect: {name} pays to open it").format(
            name=contact_name
        )
    return counts().uses_own_stamps(stamps, balance)


def media_summary(media: Sequence[MediaItem]) -> str:
    """``2 photos, 1 video`` for the marker on a message that carries media.

    The kinds are the protocol's (``sync.protocol.common.MediaKind``): a VideoGram is
    ``video``.
    """
    said = counts()
    by_kind: dict[str, int] = {}
    for item in media:
        by_kind[item.kind] = by_kind.get(item.kind, 0) + 1
    phrases = {"photo": said.photos, "video": said.videos, "ecard": said.ecards}
    parts = [phrases.get(kind, said.attachments)(n) for kind, n in by_kind.items()]
    return ", ".join(parts)
