"""Answers travel gzip-compressed to a client that asks, and decode to the same thing."""

from __future__ import annotations

import json

import httpx

from tests.server.live import World, key, ok


def test_a_page_of_changes_is_gzipped_when_asked_and_plain_otherwise(world: World) -> None:
    with world.family() as family, world.server.staff() as staff:
        for _ in range(20):
            sent = ok(
                family.post(
                    "/v1/family/messages",
                    json={
                        "idempotency_key": key(),
                        "contact_id": world.resident.contact_id,
                        "body": "A long letter from home, line after line. " * 20,
                    },
                )
            )
            ok(staff.post(f"/v1/staff/review/{sent['message_id']}", json={"decision": "approve"}))
    with world.terminal() as terminal:
        zipped = terminal.get(
            "/v1/changes", params={"cursor": "0"}, headers={"Accept-Encoding": "gzip"}
        )
        plain = terminal.get(
            "/v1/changes", params={"cursor": "0"}, headers={"Accept-Encoding": "identity"}
        )
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    assert json.loads(zipped.content) == json.loads(plain.content)  # httpx decoded it


def test_a_small_answer_is_not_compressed(world: World) -> None:
    with httpx.Client(base_url=world.server.url) as client:
        answer = client.get("/v1/health", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert "content-encoding" not in answer.headers
