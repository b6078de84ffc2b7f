"""PIN hashing: argon2id encoded hashes, one for the server and a separate one for terminals.

Defaults are argon2-cffi's (RFC 9106 low-memory profile): slow enough to make
guessing a 4-6 digit PIN from a stolen hash costly. :func:`configure` lowers
them for test runs (``KITE_CENTRAL_ARGON2_TIME_COST`` / ``_MEMORY_KIB``); the
encoded hash names its own parameters, so terminals verify either kind.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync.protocol.proofs import ProofSalt

_hasher = PasswordHasher()
# Verified against when the facility number is unknown, so that an unknown ID
# costs the same time as a wrong PIN and reveals nothing. Made at the costs in force:
# by configure() (the server calls it while it starts, before any request), else on
# first use. Not at import: every process importing this module paid a full-cost hash
# (about 0.35 s and 64 MiB), which configure() then threw away.
_dummy: str | None = None


def configure(time_cost: int | None, memory_kib: int | None) -> None:
    global _hasher, _dummy
    defaults = PasswordHasher()
    _hasher = PasswordHasher(
        time_cost=time_cost or defaults.time_cost,
        memory_cost=memory_kib or defaults.memory_cost,
    )
    _dummy = _hasher.hash("no-such-resident")


def _dummy_hash() -> str:
    global _dummy
    if _dummy is None:
        _dummy = _hasher.hash("no-such-resident")
    return _dummy


def hash_pin(pin: str) -> str:
    return _hasher.hash(pin)


def offline_verifier(pin: str) -> str:
    """A second, independently salted hash: what terminals keep for offline sign-in."""
    return _hasher.hash(pin)


def check_pin(encoded: str | None, pin: str) -> bool:
    try:
        return _hasher.verify(encoded or _dummy_hash(), pin) and encoded is not None
    except (VerificationError, InvalidHashError):
        return False


def proof_salt() -> ProofSalt:
    """A fresh salt for a resident's offline proof key, at the costs PINs are hashed with."""
    return ProofSalt(
        _hasher.memory_cost, _hasher.time_cost, _hasher.parallelism, secrets.token_bytes(16)
    )
