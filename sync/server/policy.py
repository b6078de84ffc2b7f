"""The facility policy: read it, change it (staff), publish it to every device of the facility."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sync.protocol import PolicyDocument
from sync.server.errors import not_found
from sync.server.feed import facility_audience, publish
from sync.server.models import Facility

_CACHE = "policies"


def load_policy(session: Session, facility_id: str) -> PolicyDocument:
    """The facility's policy, read and validated once per session (a push batch asks often)."""
    cache: dict[str, PolicyDocument] = session.info.setdefault(_CACHE, {})
    policy = cache.get(facility_id)
    if policy is None:
        facility = session.get(Facility, facility_id)
        if facility is None:
            raise not_found("facility")
        policy = cache[facility_id] = PolicyDocument.model_validate(facility.policy)
    return policy


def set_policy(session: Session, policy: PolicyDocument) -> None:
    facility = session.get(Facility, policy.facility_id)
    if facility is None:
        raise not_found("facility")
    facility.policy = policy.model_dump(mode="json")
    session.info.get(_CACHE, {}).pop(policy.facility_id, None)
    publish(session, facility_audience(facility.id), "policy", policy)
