"""Resident proofs (protocol 1.4) as ``docs/protocol.md`` ("Resident proofs") describes them.

``mac`` is HMAC-SHA256 under the session's or the offline key, in lower-case hex, of
the canonical JSON of ``["kite-resident-proof/1", device_id, idempotency_key, kind,
payload]``. The offline key is argon2id (version 19, 32 bytes) of the PIN's UTF-8 bytes
with the salt and costs of ``proof_salt``. :data:`VECTOR` is the page's test vector.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from typing import Any

from argon2.low_level import Type, hash_secret_raw

DOMAIN = "kite-resident-proof/1"
# The page: a terminal refuses a proof_salt whose costs exceed these.
MAX_MEMORY_KIB, MAX_TIME, MAX_LANES = 262144, 16, 8
_SALT = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)$")

#: The page's test vector.
VECTOR = {
    "device_id": "dev-example",
    "idempotency_key": "0123456789abcdef0123456789abcdef",
    "kind": "mark_read",
    "payload": '{"resident_id":"res-1","message_id":"msg-1","read_at":"2026-12-03T20:00:00Z"}',
    "covered": '["kite-resident-proof/1","dev-example","0123456789abcdef0123456789abcdef",'
    '"mark_read",{"message_id":"msg-1","read_at":"2026-12-03T20:00:00Z","resident_id":"res-1"}]',
    "key": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    "mac": "7664bbfd182b9248ed0f4c9efa922697060fdd3b88a41e39553fe58a947f7ee6",
    "proof_salt": "$argon2id$v=19$m=8192,t=1,p=1$AAECAwQFBgcICQoLDA0ODw",
    "pin": "2468",
    "offline_key": "3a5b99e030964a2e8cbaabcfb7f654bf8aa5929e0f0a349003bcb004eb1815a3",
}


class ProofSaltRefused(ValueError):
    """A ``proof_salt`` the page tells a terminal to refuse (unreadable, or too costly)."""


def covered(device_id: str, idempotency_key: str, kind: str, payload: Any) -> bytes:
    """The canonical JSON the MAC covers."""
    text = json.dumps(
        [DOMAIN, device_id, idempotency_key, kind, payload],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return text.encode("ascii")


def mac(key: bytes, device_id: str, idempotency_key: str, kind: str, payload: Any) -> str:
    return hmac.new(key, covered(device_id, idempotency_key, kind, payload), "sha256").hexdigest()


def offline_key(proof_salt: str, pin: str) -> bytes:
    """The resident's offline proof key from the cached ``proof_salt`` and his PIN."""
    found = _SALT.match(proof_salt)
    if found is None:
        raise ProofSaltRefused(f"unreadable proof_salt {proof_salt!r}")
    memory, passes, lanes = (int(found.group(i)) for i in (1, 2, 3))
    if memory > MAX_MEMORY_KIB or passes > MAX_TIME or lanes > MAX_LANES:
        raise ProofSaltRefused(f"proof_salt costs too high: m={memory} t={passes} p={lanes}")
    salt_text = found.group(4)
    salt = base64.b64decode(salt_text + "=" * (-len(salt_text) % 4))
    return hash_secret_raw(
        pin.encode("utf-8"),
        salt,
        time_cost=passes,
        memory_cost=memory,
        parallelism=lanes,
        hash_len=32,
        type=Type.ID,
        version=19,
    )


def vector_problems() -> list[str]:
    """What of the page's test vector this implementation does not reproduce (empty: all)."""
    problems = []
    payload = json.loads(VECTOR["payload"])
    args = (VECTOR["device_id"], VECTOR["idempotency_key"], VECTOR["kind"], payload)
    if covered(*args).decode() != VECTOR["covered"]:
        problems.append(f"covered text differs: {covered(*args).decode()}")
    got = mac(bytes.fromhex(VECTOR["key"]), *args)
    if got != VECTOR["mac"]:
        problems.append(f"mac {got} != {VECTOR['mac']}")
    key = offline_key(VECTOR["proof_salt"], VECTOR["pin"]).hex()
    if key != VECTOR["offline_key"]:
        problems.append(f"offline key {key} != {VECTOR['offline_key']}")
    return problems
