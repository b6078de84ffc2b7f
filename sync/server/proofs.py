"""Resident proofs on the server: sessions opened at sign-in, keys kept, items checked.

A device credential alone reads its units' feed and nothing more: every push
item that acts for a resident (``RESIDENT_KINDS``) must carry a proof that this
resident authenticated on this device (``sync.protocol.proofs``), or it is
rejected with ``resident_unproven`` (``params.why`` says what was missing):

- ``session``: the MAC is keyed by a session this server opened at an online
  sign-in *of that resident on that device*, ended no longer ago than
  :data:`LATE_ARRIVAL` (the terminal ends it after ``lifetime_s``; what it queued
  then may arrive much later, but not months later);
- ``offline``: the MAC is keyed by the resident's offline proof key, current for
  his PIN, and the resident has signed in online on this device before (only
  then did the device learn his ``proof_salt`` and verifier).

A batch's sessions and keys are read with one query each (:class:`BatchProofs`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import OutboxItem, ResidentSession
from sync.protocol.proofs import (
    KEY_BYTES,
    RESIDENT_KINDS,
    ProofSalt,
    macs_match,
    offline_key,
    proof_mac,
    proof_message,
)
from sync.server import pins
from sync.server.errors import Rejection
from sync.server.models import Resident
from sync.server.signin_models import ResidentProofKey
from sync.server.signin_models import ResidentSession as SessionRow

#: How long after its session ended a session's proofs still count (work queued offline).
LATE_ARRIVAL = timedelta(days=30)


def open_session(
    db: Session, device_id: str, resident_id: str, now: datetime, hours: int
) -> ResidentSession:
    """A new session of ``resident_id`` on ``device_id``: its id, key and end."""
    row = SessionRow(
        id=f"ses-{secrets.token_hex(16)}",
        device_id=device_id,
        resident_id=resident_id,
        key=secrets.token_hex(KEY_BYTES),
        issued_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.add(row)
    return ResidentSession(session_id=row.id, key=row.key, lifetime_s=hours * 3600)


def proof_key_current(db: Session, resident: Resident) -> bool:
    """Whether the resident's offline proof key was made under his current PIN."""
    row = db.get(ResidentProofKey, resident.id)
    return row is not None and row.pin_hash == resident.pin_hash


def make_proof_key(pin: str) -> tuple[ProofSalt, str]:
    """A fresh salt and the key it gives for ``pin`` (slow: argon2id; outside a transaction)."""
    salt = pins.proof_salt()
    return salt, offline_key(pin, salt).hex()


def store_proof_key(db: Session, resident: Resident, made: tuple[ProofSalt, str] | None) -> str:
    """Keep a key :func:`make_proof_key` made (if any); the resident's ``proof_salt``.

    Made at an online sign-in, with the PIN just verified: the only moment the server
    holds it. The key is kept with the PIN hash it belongs to, so a new PIN makes it stale.
    """
    row = db.get(ResidentProofKey, resident.id)
    if made is not None:
        if row is None:
            row = ResidentProofKey(resident_id=resident.id)
            db.add(row)
        row.salt, row.key, row.pin_hash = made[0].encode(), made[1], resident.pin_hash
    assert row is not None, "a sign-in without a proof key made or kept"
    return row.salt


@dataclass
class BatchProofs:
    """The sessions and offline keys a push batch's proofs name, read once."""

    device_id: str
    now: datetime
    late_arrival: timedelta = LATE_ARRIVAL
    sessions: dict[str, SessionRow] = field(default_factory=dict)
    offline_keys: dict[str, bytes] = field(default_factory=dict)
    signed_in_here: set[str] = field(default_factory=set)

    @classmethod
    def load(
        cls, db: Session, device_id: str, items: Iterable[OutboxItem], now: datetime
    ) -> BatchProofs:
        proofs = cls(device_id, now)
        session_ids: set[str] = set()
        offline_residents: set[str] = set()
        for item in items:
            if item.kind not in RESIDENT_KINDS or item.proof is None:
                continue
            if item.proof.session_id is not None:
                session_ids.add(item.proof.session_id)
            resident_id = item.payload.get("resident_id")
            if item.proof.method == "offline" and isinstance(resident_id, str):
                offline_residents.add(resident_id)
        if session_ids:
            rows = db.execute(select(SessionRow).where(SessionRow.id.in_(session_ids))).scalars()
            proofs.sessions = {row.id: row for row in rows}
        if offline_residents:
            keys = db.execute(
                select(ResidentProofKey.resident_id, ResidentProofKey.key)
                .join(Resident, Resident.id == ResidentProofKey.resident_id)
                .where(
                    ResidentProofKey.resident_id.in_(offline_residents),
                    ResidentProofKey.pin_hash == Resident.pin_hash,
                )
            ).all()
            proofs.offline_keys = {rid: bytes.fromhex(key) for rid, key in keys}
            proofs.signed_in_here = set(
                db.execute(
                    select(SessionRow.resident_id)
                    .where(
                        SessionRow.device_id == device_id,
                        SessionRow.resident_id.in_(offline_residents),
                    )
                    .distinct()
                ).scalars()
            )
        return proofs

    def check(self, item: OutboxItem, resident_id: str) -> None:
        """Pass if ``item`` proves ``resident_id`` acted on this device, else refuse it."""
        proof = item.proof
        if proof is None:
            raise _unproven("missing")
        if proof.method == "session":
            row = self.sessions.get(proof.session_id or "")
            if row is None or row.device_id != self.device_id or row.resident_id != resident_id:
                raise _unproven("unknown_session")
            if row.expires_at + self.late_arrival < self.now:
                raise _unproven("session_long_over")
            key = bytes.fromhex(row.key)
        else:
            if resident_id not in self.signed_in_here:
                raise _unproven("never_signed_in_here")
            found = self.offline_keys.get(resident_id)
            if found is None:
                raise _unproven("no_offline_key")
            key = found
        message = proof_message(self.device_id, item.idempotency_key, item.kind, item.payload)
        if not macs_match(proof_mac(key, message), proof.mac):
            raise _unproven("bad_mac")


def _unproven(why: str) -> Rejection:
    return Rejection("resident_unproven", why=why)
