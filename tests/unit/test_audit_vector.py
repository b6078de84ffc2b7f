"""The audit-chain test vector in docs/protocol.md is what both ends compute.

A second implementation checks its hashes against that vector; this test keeps the
page, the terminal (``kiosk.audit``) and the server (``sync.server.audit``) telling
the same story.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.audit import GENESIS, compute_hash
from sync.protocol import AuditPayload
from sync.server.audit import chain_hash

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _events() -> list[dict[str, Any]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### The audit chain")[1]
    block = section.split("Test vector (")[1].split("```text\n")[1].split("```")[0]
    events: dict[str, dict[str, Any]] = {}
    for line in block.splitlines():
        match = re.fullmatch(r"event (\d+) ([a-z_]+):\s+(.*)", line)
        assert match, line
        number, name, value = match.groups()
        events.setdefault(number, {})[name] = value
    return [events[n] for n in sorted(events, key=int)]


def test_the_documented_chain_is_what_the_terminal_and_the_server_compute() -> None:
    events = _events()
    assert len(events) == 2
    assert events[0]["prev_hash"] == GENESIS
    for before, event in zip([None, *events], events, strict=False):
        if before is not None:
            assert event["prev_hash"] == before["hash"]  # the chain links
        at = datetime.fromisoformat(event["at"])
        resident = None if event["resident_id"] == "null" else event["resident_id"]
        details = json.loads(event["details"])
        seq = int(event["seq"])
        prev = event["prev_hash"]
        assert compute_hash(prev, seq, at, resident, event["action"], details) == event["hash"]
        payload = AuditPayload(
            seq=seq,
            at=at,
            resident_id=resident,
            action=event["action"],
            details=details,
            prev_hash=prev,
            hash=event["hash"],
        )
        assert chain_hash(payload) == event["hash"]


def test_an_edited_event_no_longer_matches_its_documented_hash() -> None:
    first = _events()[0]
    at = datetime.fromisoformat(first["at"])
    edited = compute_hash(first["prev_hash"], 1, at, first["resident_id"], "sign_out", {})
    assert edited != first["hash"]


def test_the_conformance_kit_carries_the_documented_chain() -> None:
    """The independent client (sync/conformance) checks itself against its copy of the
    page's chain; the copy must be the page's."""
    from sync.conformance.audit_chain import VECTOR, vector_problems

    documented = [
        {
            **event,
            "seq": int(event["seq"]),
            "resident_id": None if event["resident_id"] == "null" else event["resident_id"],
            "details": json.loads(event["details"]),
        }
        for event in _events()
    ]
    assert documented == VECTOR
    assert vector_problems() == []
