"""PIN hashing: argon2id encoded hashes, one for the server and a separate one for terminals."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults (RFC 9106 low-memory profile): slow enough to make
# guessing a 4-6 digit PIN from a stolen hash costly, fast enough for sign-in.
_HASHER = PasswordHasher()
# Verified against when the facility number is unknown, so that an unknown ID
# costs the same time as a wrong PIN and reveals nothing.
_DUMMY = _HASHER.hash("no-such-resident")


def hash_pin(pin: str) -> str:
    return _HASHER.hash(pin)


def offline_verifier(pin: str) -> str:
    """A second, independently salted hash: what terminals keep for offline sign-in."""
    return _HASHER.hash(pin)


def check_pin(encoded: str | None, pin: str) -> bool:
    try:
        return _HASHER.verify(encoded or _DUMMY, pin) and encoded is not None
    except (VerificationError, InvalidHashError):
        return False
