"""The terminal's resident proofs: the :class:`kiosk.auth.ItemSigner` of a session.

An online sign-in gives a :class:`KeySigner` keyed by the server's session;
an offline one makes it from the PIN and the cached ``proof_salt``
(:func:`offline_signer`). The key lives in the signer, in memory, for the session
only: it is never written to the store, the keyring or a log (``repr`` hides it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from sync.protocol import ResidentSession
from sync.protocol.proofs import offline_key, parse_proof_salt, proof_mac, proof_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeySigner:
    """Signs a resident's items with one key (``docs/protocol.md``, "Resident proofs")."""

    method: Literal["session", "offline"]
    key: bytes = field(repr=False)
    session_id: str | None = None
    lifetime_s: int | None = None

    def sign(self, device_id: str, idempotency_key: str, kind: str, payload: Any) -> dict[str, Any]:
        message = proof_message(device_id, idempotency_key, kind, payload)
        proof: dict[str, Any] = {"method": self.method, "mac": proof_mac(self.key, message)}
        if self.session_id is not None:
            proof["session_id"] = self.session_id
        return proof


def session_signer(session: ResidentSession) -> KeySigner:
    return KeySigner("session", bytes.fromhex(session.key), session.session_id, session.lifetime_s)


def offline_signer(proof_salt: str, pin: str) -> KeySigner | None:
    """The signer of an offline sign-in; None (logged) if the cached salt cannot be read."""
    try:
        salt = parse_proof_salt(proof_salt)
    except ValueError as exc:
        log.warning("offline proof key not made: %s", exc)
        return None
    return KeySigner("offline", offline_key(pin, salt))
