"""Offline PIN verifiers: a slow salted hash the server hands to the terminal.

Format (the server keeps its own copy of this code; it cannot import kiosk):
an Argon2id PHC string, as produced by ``argon2-cffi``'s ``PasswordHasher``::

    $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt, base64 no padding>$<hash, base64>

made with ``time_cost=3, memory_cost=65536 (64 MiB), parallelism=4,
hash_len=32, salt_len=16`` (RFC 9106's second recommended option). The
parameters travel inside the string, so :func:`verify` accepts verifiers made
with other costs; :func:`make` always uses the ones above. The PIN is
hashed as its UTF-8 bytes, exactly as typed (no trimming).
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TIME_COST = 3
MEMORY_COST_KIB = 65536
PARALLELISM = 4
HASH_LEN = 32
SALT_LEN = 16
MAX_PIN_CHARS = 64

_HASHER = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=HASH_LEN,
    salt_len=SALT_LEN,
    type=Type.ID,
)


class InvalidVerifier(ValueError):
    """The stored verifier is not an Argon2id PHC string (it cannot verify anything)."""


def _check_pin(pin: str) -> None:
    if not pin or len(pin) > MAX_PIN_CHARS:
        raise ValueError(f"a PIN must be 1-{MAX_PIN_CHARS} characters")


def make(pin: str) -> str:
    """A new verifier for ``pin`` with a fresh random salt."""
    _check_pin(pin)
    return _HASHER.hash(pin)


def verify(verifier: str, pin: str) -> bool:
    """True if ``pin`` matches ``verifier``; False if not; InvalidVerifier if unreadable."""
    if not verifier.startswith("$argon2id$"):
        raise InvalidVerifier("offline verifier is not an Argon2id PHC string")
    if not pin or len(pin) > MAX_PIN_CHARS:
        return False
    try:
        return _HASHER.verify(verifier, pin)
    except VerifyMismatchError:
        return False
    except InvalidHashError as exc:
        raise InvalidVerifier(f"offline verifier cannot be read: {exc}") from exc
    except VerificationError:
        return False
