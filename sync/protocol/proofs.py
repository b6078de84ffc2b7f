"""Resident proofs (1.4): what shows the server that a resident, not just a device, acted.

A resident-scoped push item (:data:`RESIDENT_KINDS`) carries ``proof``: an
HMAC-SHA256, keyed by a secret only the resident's sign-in produced, over the
canonical form of the item (:func:`proof_message`). The key is either

- ``session``: the 32 random bytes the server handed out at an online sign-in
  (``SignInResponse.session``), bound to that device and resident; or
- ``offline``: argon2id of the PIN with the resident's ``proof_salt`` (sent at
  online sign-in; :func:`parse_proof_salt` reads it), which the server keeps too.

The terminal signs an item when it is queued, during the session, and keeps the
key in memory only; the MAC travels with the item whenever it is pushed.
``docs/protocol.md`` ("Resident proofs") is the prose of this module, with a test
vector; ``kiosk/proofs.py`` is the terminal's own copy (the core imports nothing of sync).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw

#: The item kinds that act for a resident: each needs a proof.
RESIDENT_KINDS = frozenset(
    {
        "send_message",
        "purchase_stamps",
        "mark_read",
        "hide_message",
        "set_contact_blocked",
        "set_language",
    }
)

#: What the MAC covers first: a label for this use of the key, and its version.
PROOF_LABEL = "kite-resident-proof/1"

#: The most a server may ask of a terminal for the offline key (refused above).
MAX_MEMORY_KIB = 262_144
MAX_TIME_COST = 16
MAX_PARALLELISM = 8
KEY_BYTES = 32

_SALT_RE = re.compile(
    r"^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,88})$"
)


def proof_message(device_id: str, idempotency_key: str, kind: str, payload: Any) -> bytes:
    """The bytes a proof's MAC covers: canonical JSON (sorted keys, no spaces, ASCII)."""
    canonical = json.dumps(
        [PROOF_LABEL, device_id, idempotency_key, kind, payload],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return canonical.encode("ascii")


def proof_mac(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message`` under ``key``, 64 lower-case hex characters."""
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def macs_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class ProofSalt:
    """The argon2id parameters and salt of a resident's offline proof key."""

    memory_kib: int
    time_cost: int
    parallelism: int
    salt: bytes

    def encode(self) -> str:
        salt = base64.b64encode(self.salt).decode().rstrip("=")
        return f"$argon2id$v=19$m={self.memory_kib},t={self.time_cost},p={self.parallelism}${salt}"


def parse_proof_salt(text: str) -> ProofSalt:
    """Read a ``proof_salt``; ValueError names what is wrong (format, or a cost too high)."""
    match = _SALT_RE.match(text)
    if match is None:
        raise ValueError("proof_salt is not '$argon2id$v=19$m=..,t=..,p=..$<salt>'")
    memory, time_cost, lanes = (int(match.group(i)) for i in (1, 2, 3))
    if not (8 * lanes <= memory <= MAX_MEMORY_KIB and 1 <= time_cost <= MAX_TIME_COST):
        raise ValueError(f"proof_salt asks for m={memory}, t={time_cost}: outside the bounds")
    if not 1 <= lanes <= MAX_PARALLELISM:
        raise ValueError(f"proof_salt asks for p={lanes}: outside the bounds")
    encoded = match.group(4)
    salt = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    if len(salt) < 8:
        raise ValueError("proof_salt's salt is shorter than 8 bytes")
    return ProofSalt(memory, time_cost, lanes, salt)


def offline_key(pin: str, salt: ProofSalt) -> bytes:
    """The offline proof key: argon2id (version 19) of the PIN's UTF-8 bytes, 32 bytes."""
    return hash_secret_raw(
        secret=pin.encode("utf-8"),
        salt=salt.salt,
        time_cost=salt.time_cost,
        memory_cost=salt.memory_kib,
        parallelism=salt.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
        version=19,
    )
