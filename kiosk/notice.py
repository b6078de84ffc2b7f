"""The notice of review and retention: what is true about a resident's messages.

Facility staff read every message before it is delivered, and the service keeps
messages for the number of days the facility's policy says (``retention_days``;
a policy from an older server, or one that does not say, leaves it ``None`` and
the notice says so without a number). The notice shows at a resident's sign-in
until they acknowledge it on this terminal (``residents.notice_seen_at``): once
per resident, not once per terminal, so the next resident sees it too. The help
screen always shows it, with the rules of stamps that the policy decides.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from kiosk import audit
from kiosk.errors import Refusal
from kiosk.policy import Policy
from kiosk.store.models import Resident
from kiosk.views import AccountNotice


def _resident(session: Session, resident_id: str) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise Refusal("not_found", what="resident", id=resident_id)
    return resident


def account_notice(session: Session, resident_id: str, policy: Policy) -> AccountNotice:
    """The notice's facts from ``policy``, and whether the resident acknowledged it here."""
    resident = _resident(session, resident_id)
    return AccountNotice(
        retention_days=policy.retention_days,
        refund_on_reject=policy.refund_on_reject,
        cod_allowed=policy.cod_allowed,
        stamps_per_message=policy.stamps_per_message,
        seen=resident.notice_seen_at is not None,
    )


def acknowledge(session: Session, resident_id: str, now: datetime) -> None:
    """The resident read the notice: it does not show at their sign-in here again."""
    resident = _resident(session, resident_id)
    if resident.notice_seen_at is None:
        resident.notice_seen_at = now
        audit.record(session, "acknowledge_notice", resident_id, now)
