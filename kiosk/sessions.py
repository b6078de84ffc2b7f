"""Signing residents in and out, idle and cap timers, and the PIN lockout.

Sign-in asks the server first (an injected :class:`kiosk.auth.Authenticator`)
and falls back to the cached offline verifier when the server cannot be
reached. A resident unknown to this terminal cannot sign in offline
(``offline_unknown_resident``).

The lockout is counted per facility number, whether or not the number
exists, so the refusal never tells an existing account from a made-up one.
It is derived from the audit trail (``sign_in``, ``sign_in_failed`` and
``sign_in_locked`` events), so it survives a restart and the server learns
of every attempt: ``lockout_attempts`` failures within ``lockout_minutes``
lock the number for ``lockout_minutes``; a success clears the count; a lock
the server reports (``account_locked``) is recorded and honoured offline too.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from kiosk import audit, drafts, feed, pin, residents
from kiosk.auth import Authenticator, ItemSigner, RemoteUnavailable, ResidentProfile
from kiosk.clock import as_utc
from kiosk.errors import Refusal
from kiosk.policy import Policy
from kiosk.store.database import Store
from kiosk.store.models import AuditEvent, Resident
from kiosk.views import (
    DraftInput,
    EndReason,
    ResidentView,
    SessionEnding,
    SessionPhase,
    SessionState,
)

SIGN_IN_ACTIONS = ("sign_in", "sign_in_failed", "sign_in_locked")
# The longest lock the wire allows (lockout_minutes <= 7 days): older events cannot matter.
LOCK_HORIZON = timedelta(days=7)
MAX_NUMBER_CHARS = residents.MAX_NUMBER_CHARS


@dataclass
class Session:
    """A signed-in resident's session: who, since when, last activity, and its limits."""

    session_id: str
    resident_id: str
    started_at: datetime
    last_activity: datetime
    idle_s: int
    warning_s: int
    cap_s: int | None  # kiosks have a cap; tablets do not
    offline: bool = False
    ended: bool = False
    closes_at: datetime | None = None  # the facility's hours of service end then
    #: signs what the resident does (protocol 1.4); in memory for the session only
    signer: ItemSigner | None = field(default=None, repr=False)

    def touch(self, now: datetime) -> None:
        """The resident did something: restart the idle timer (the cap keeps running)."""
        self.last_activity = max(self.last_activity, now)

    def state(self, now: datetime) -> SessionState:
        """Active, warning (seconds left) or expired, and whether idle, cap or closing ends it."""
        idle_left = self.idle_s - (now - self.last_activity).total_seconds()
        left = idle_left
        ending: SessionEnding = "idle"
        if self.cap_s is not None:
            cap_left = self.cap_s - (now - self.started_at).total_seconds()
            if cap_left < left:
                left, ending = cap_left, "cap"
        if self.closes_at is not None:
            closing_left = (self.closes_at - now).total_seconds()
            if closing_left < left:
                left, ending = closing_left, "closed"
        if left <= 0:
            return SessionState("expired", 0, ending)
        phase: SessionPhase = "warning" if left <= self.warning_s else "active"
        return SessionState(phase, math.ceil(left), ending)


def resident_view(resident: Resident) -> ResidentView:
    return ResidentView(
        resident_id=resident.id,
        facility_number=resident.facility_number,
        display_name=resident.display_name,
        housing_unit=resident.housing_unit,
        language=resident.chosen_language or resident.language,
        restricted_until=resident.restricted_until,
        restriction_reason=resident.restriction_reason,
    )


def lock_state(
    db: DbSession, facility_number: str, policy: Policy, now: datetime
) -> tuple[datetime | None, int]:
    """(locked until, recent consecutive failures) for a facility number, from the audit trail."""
    window_start = now - timedelta(minutes=policy.lockout_minutes)
    failures = 0
    rows = db.execute(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.details)
        .where(AuditEvent.action.in_(SIGN_IN_ACTIONS))
        .order_by(AuditEvent.seq.desc())
    ).yield_per(200)
    for at, action, details in rows:
        if at < now - LOCK_HORIZON:
            break
        if details.get("facility_number") != facility_number:
            continue
        if action == "sign_in":
            break
        if action == "sign_in_locked":
            until = as_utc(datetime.fromisoformat(details["until"]))
            if until > now:
                return until, failures
            break  # an expired lock starts the count afresh
        if at >= window_start:
            failures += 1
    return None, failures


def _record_failure(
    db: DbSession, number: str, policy: Policy, mode: str, now: datetime
) -> Refusal:
    audit.record(db, "sign_in_failed", None, now, facility_number=number, mode=mode)
    _, failures = lock_state(db, number, policy, now)
    if failures >= policy.lockout_attempts:
        until = now + timedelta(minutes=policy.lockout_minutes)
        audit.record(
            db, "sign_in_locked", None, now, facility_number=number, until=until.isoformat()
        )
        return Refusal("account_locked", until=until)
    return Refusal("invalid_credentials")


def _upsert_resident(db: DbSession, profile: ResidentProfile, now: datetime) -> Resident:
    resident = residents.upsert(
        db,
        profile.resident_id,
        profile.facility_number,
        profile.display_name,
        now,
        housing_unit=profile.housing_unit,
        language=profile.language,
        restricted_until=profile.restricted_until,
        restriction_reason=profile.restriction_reason,
    )
    # None clears the cache: a PIN change must not leave the old PIN usable offline.
    resident.pin_verifier = profile.offline_verifier
    resident.proof_salt = profile.proof_salt
    # His contacts as they are now: after a staff wipe the feed does not send them again.
    for contact in profile.contacts:
        if contact.get("resident_id") == resident.id:
            feed.apply_change(db, "contact", contact, now)
    return resident


def sign_in(
    store: Store,
    policy: Policy,
    mode: str,
    authenticator: Authenticator,
    facility_number: str,
    pin_code: str,
    now: datetime,
) -> tuple[Session, ResidentView]:
    """Verify a facility number and PIN and open a session, or raise a Refusal.

    Refusals: ``closed`` (opens_at), ``account_locked`` (until),
    ``invalid_credentials``, ``offline_unknown_resident``, and whatever other
    refusal the authenticator raises as is (``throttled`` (seconds): the server
    asked to wait; the cached verifier is not tried).
    """
    if not policy.is_open(now):
        raise Refusal("closed", opens_at=policy.next_opening(now))
    number = facility_number.strip()
    if not number or len(number) > MAX_NUMBER_CHARS:
        raise Refusal("invalid_credentials")
    with store.read() as db:
        until, _ = lock_state(db, number, policy, now)
    if until is not None:
        raise Refusal("account_locked", until=until)

    profile: ResidentProfile | None = None
    offline = False
    try:
        profile = authenticator.authenticate(number, pin_code)
    except Refusal as refusal:
        if refusal.code not in {"account_locked", "invalid_credentials"}:
            raise
        # Record first, in its own committed transaction, then refuse.
        outcome = refusal
        with store.write() as db:
            if refusal.code == "invalid_credentials":
                outcome = _record_failure(db, number, policy, "online", now)
            elif isinstance(server_until := refusal.params.get("until"), datetime):
                audit.record(
                    db,
                    "sign_in_locked",
                    None,
                    now,
                    facility_number=number,
                    until=as_utc(server_until).isoformat(),
                )
        raise outcome from None
    except RemoteUnavailable:
        offline = True

    with store.write() as db:
        if profile is not None:
            resident: Resident | None = _upsert_resident(db, profile, now)
            failure: Refusal | None = None
        else:
            resident, failure = _verify_offline(db, number, pin_code, policy, now)
        if resident is not None:
            proof_salt = resident.proof_salt
            session = Session(
                session_id=uuid.uuid4().hex,
                resident_id=resident.id,
                started_at=now,
                last_activity=now,
                idle_s=policy.idle_timeout_s(mode),
                warning_s=policy.warning_s,
                cap_s=_cap_s(policy.session_cap_s if mode == "kiosk" else None, profile),
                offline=offline,
                closes_at=policy.closing_time(now),
                signer=None if profile is None else profile.signer,
            )
            audit.record(
                db,
                "sign_in",
                resident.id,
                now,
                facility_number=number,
                mode="offline" if offline else "online",
                session_id=session.session_id,
            )
            view = resident_view(resident)
    # Raised after the commit, so the failed attempt stays counted.
    if failure is not None:
        raise failure
    if offline and proof_salt:
        # Slow (argon2id), so after the commit: the key that proves what he does offline.
        session.signer = authenticator.offline_signer(proof_salt, pin_code)
    return session, view


def _cap_s(cap_s: int | None, profile: ResidentProfile | None) -> int | None:
    """The session's cap: the facility's, and never past the end of the server's session."""
    lifetime = None if profile is None or profile.signer is None else profile.signer.lifetime_s
    if lifetime is None:
        return cap_s
    return lifetime if cap_s is None else min(cap_s, lifetime)


def _verify_offline(
    db: DbSession, number: str, pin_code: str, policy: Policy, now: datetime
) -> tuple[Resident | None, Refusal | None]:
    found = db.scalars(select(Resident).where(Resident.facility_number == number)).first()
    if found is None or not found.pin_verifier:
        raise Refusal("offline_unknown_resident")
    try:
        matches = pin.verify(found.pin_verifier, pin_code)
    except pin.InvalidVerifier:
        raise Refusal("offline_unknown_resident") from None
    if matches:
        return found, None
    return None, _record_failure(db, number, policy, "offline", now)


def end_session(
    store: Store,
    session: Session,
    reason: EndReason,
    unfinished: list[DraftInput] | tuple[DraftInput, ...],
    now: datetime,
) -> int:
    """End ``session``: keep non-blank unfinished text as drafts and audit it. Returns drafts kept.

    Ending twice does nothing the second time.
    """
    if session.ended:
        return 0
    kept = 0
    with store.write() as db:
        for item in unfinished:
            if not item.body.strip():
                continue
            drafts.save_draft(
                db,
                session.resident_id,
                item.contact_id,
                item.in_reply_to,
                item.body,
                now,
                draft_id=item.draft_id,
                origin="typed" if item.draft_id else "session_end",
            )
            kept += 1
        audit.record(
            db,
            "sign_out",
            session.resident_id,
            now,
            reason=reason,
            session_id=session.session_id,
            drafts_kept=kept,
        )
    session.ended = True
    return kept
