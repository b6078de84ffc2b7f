"""The resident-proof test vector in docs/protocol.md is what the code computes.

A second implementation checks itself against that vector; this test keeps the
document and ``sync.protocol.proofs`` (both ends' code) telling the same story.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sync.protocol.proofs import (
    offline_key,
    parse_proof_salt,
    proof_mac,
    proof_message,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _vector() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("Test vector (")[1].split("```text\n")[1].split("```")[0]
    return dict(
        (name.strip(), value.strip())
        for name, value in (re.split(r":\s+", line, maxsplit=1) for line in block.splitlines())
    )


def test_the_documented_vector_is_what_both_ends_compute() -> None:
    v = _vector()
    message = proof_message(
        v["device_id"], v["idempotency_key"], v["kind"], json.loads(v["payload"])
    )
    assert message.decode() == v["covered"]
    assert proof_mac(bytes.fromhex(v["key"]), message) == v["mac"]
    assert offline_key(v["pin"], parse_proof_salt(v["proof_salt"])).hex() == v["offline key"]


def test_a_proof_salt_asking_too_much_is_refused_with_its_reason() -> None:
    greedy = "$argon2id$v=19$m=4194304,t=1,p=1$AAECAwQFBgcICQoLDA0ODw"
    with pytest.raises(ValueError, match="m=4194304"):
        parse_proof_salt(greedy)


def test_the_conformance_kit_carries_the_documented_vector() -> None:
    """The independent client (sync/conformance) checks itself against its copy of the
    page's vector; the copy must be the page's."""
    from sync.conformance.proof import VECTOR, vector_problems

    documented = {name.replace(" ", "_"): value for name, value in _vector().items()}
    assert documented == VECTOR
    assert vector_problems() == []
