"""What stops a resident from sending, said before they try: a restriction, messaging paused.

The inbox, new message and compose screens show the same sentence, so a
resident learns it where they start, not only when Send stays grey. A
restriction gives its full end date (a date, not a weekday) and the facility's
reason; a pause gives the facility's reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from ui.formatting import full_date_and_time

if TYPE_CHECKING:
    from kiosk.views import FacilityStatus, ResidentView


def restriction_notice(resident: ResidentView | None, now: datetime) -> str:
    """The resident's communication restriction, if one is in force now ("" otherwise)."""
    if resident is None or resident.restricted_until is None or resident.restricted_until <= now:
        return ""
    text = QCoreApplication.translate(
        "Restriction", "You can read messages but not send them until {when}."
    ).format(when=full_date_and_time(resident.restricted_until))
    if resident.restriction_reason:
        text += "\n" + QCoreApplication.translate("Restriction", "Reason: {reason}").format(
            reason=resident.restriction_reason
        )
    return text


def pause_notice(status: FacilityStatus | None) -> str:
    """Messaging paused facility-wide (a lockdown), with the facility's reason ("" otherwise)."""
    if status is None or not status.messaging_suspended:
        return ""
    text = QCoreApplication.translate(
        "Restriction", "The facility has paused all messaging for now. You can still read."
    )
    if status.suspended_reason:
        text += "\n" + QCoreApplication.translate("Restriction", "Reason: {reason}").format(
            reason=status.suspended_reason
        )
    return text


def sending_notice(
    resident: ResidentView | None, status: FacilityStatus | None, now: datetime
) -> str:
    """Everything that stops this resident sending now, one sentence a line ("" if nothing)."""
    return "\n".join(t for t in (pause_notice(status), restriction_notice(resident, now)) if t)
