"""Attacks on resident proofs (issue #11, part 2): a device cannot act as a resident alone.

Each test mounts the attack through the real reference server over loopback (a
device's credential and the raw protocol, as a thief with a copied credential or a
tampered terminal would speak it), sees it fail, and sees the genuine path work in
the same test. The terminal's side (the key never written down; an offline
sign-in's proof accepted) runs the real terminal.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from sync.protocol.proofs import offline_key, parse_proof_salt, proof_mac, proof_message
from tests.fault.proxy import FaultProxy
from tests.integration.terminal import make_terminal, wait_for
from tests.server.live import LiveServer, World, item, key, message, ok, purchase


def _sign_in(terminal: httpx.Client, world: World, index: int = 0) -> dict[str, Any]:
    r = world.residents[index]
    return ok(
        terminal.post("/v1/sign-in", json={"facility_number": r.facility_number, "pin": r.pin})
    )


def _proved(
    wire: dict[str, Any], device_id: str, key_bytes: bytes, session_id: str | None
) -> dict[str, Any]:
    mac = proof_mac(
        key_bytes, proof_message(device_id, wire["idempotency_key"], wire["kind"], wire["payload"])
    )
    method = "offline" if session_id is None else "session"
    proof: dict[str, Any] = {"method": method, "mac": mac}
    if session_id is not None:
        proof["session_id"] = session_id
    return {**wire, "proof": proof}


def _push(terminal: httpx.Client, *items: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = ok(terminal.post("/v1/push", json={"items": list(items)}))[
        "results"
    ]
    return results


def _refusal(result: dict[str, Any]) -> tuple[str, str, Any]:
    return result["outcome"], result["reason"], result["params"].get("why")


def test_a_device_credential_alone_cannot_spend_or_send_for_a_resident(
    central_server: LiveServer,
) -> None:
    world = central_server.world(debit_cents=1000, stamps=3)
    r, (device_id, _) = world.resident, world.devices[0]
    with world.terminal(prove=False) as thief:
        results = _push(
            thief,
            item("purchase_stamps", 1, purchase(r.resident_id)),
            item("send_message", 2, message(r.resident_id, r.contact_id)),
            item("hide_message", 3, {"resident_id": r.resident_id, "message_id": key()}),
        )
        assert [_refusal(x) for x in results] == [("rejected", "resident_unproven", "missing")] * 3
        assert central_server.balances(r.resident_id) == (3, 1000)
        # The genuine path on the same device: the resident signs in, the item is proved.
        session = _sign_in(thief, world)["session"]
        wire = item("purchase_stamps", 4, purchase(r.resident_id))
        [accepted] = _push(
            thief, _proved(wire, device_id, bytes.fromhex(session["key"]), session["session_id"])
        )
    assert accepted["outcome"] == "accepted"
    assert central_server.balances(r.resident_id) == (4, 950)


def test_a_session_proves_only_its_own_resident_device_and_item(
    central_server: LiveServer,
) -> None:
    world = central_server.world(residents=2, debit_cents=1000, devices=2)
    alice, bob = world.residents
    device_a = world.devices[0][0]
    with world.terminal(0, prove=False) as a, world.terminal(1, prove=False) as b:
        alices = _sign_in(a, world, 0)["session"]
        alice_key = bytes.fromhex(alices["key"])
        sid = alices["session_id"]
        # Alice's session used to spend Bob's money, from her own device.
        for_bob = _proved(
            item("purchase_stamps", 1, purchase(bob.resident_id)), device_a, alice_key, sid
        )
        # Alice's session carried to another device (a copied outbox, a relayed proof).
        elsewhere = _proved(
            item("purchase_stamps", 1, purchase(alice.resident_id)), device_a, alice_key, sid
        )
        # A proved purchase of one stamp, changed on the way to ten.
        genuine = item("purchase_stamps", 2, purchase(alice.resident_id))
        tampered = _proved(genuine, device_a, alice_key, sid)
        tampered["payload"] = {**tampered["payload"], "product_id": "book-10", "quantity": 10}
        tampered["payload"]["price_cents"] = 450
        # A made-up MAC under a real session.
        guessed = _proved(
            item("purchase_stamps", 3, purchase(alice.resident_id)), device_a, b"0" * 32, sid
        )
        results_a = _push(a, for_bob, tampered, guessed)
        [result_b] = _push(b, elsewhere)
        assert [_refusal(x) for x in results_a] == [
            ("rejected", "resident_unproven", "unknown_session"),
            ("rejected", "resident_unproven", "bad_mac"),
            ("rejected", "resident_unproven", "bad_mac"),
        ]
        assert _refusal(result_b) == ("rejected", "resident_unproven", "unknown_session")
        assert central_server.balances(alice.resident_id) == (0, 1000)
        assert central_server.balances(bob.resident_id) == (0, 1000)
        [accepted] = _push(
            a,
            _proved(
                item("purchase_stamps", 4, purchase(alice.resident_id)), device_a, alice_key, sid
            ),
        )
    assert accepted["outcome"] == "accepted"
    assert central_server.balances(alice.resident_id) == (1, 950)


def test_an_offline_proof_counts_only_where_the_resident_signed_in_online_before(
    central_server: LiveServer,
) -> None:
    """The PIN alone (shoulder-surfed, say) does not let a device of the unit act for him:
    the offline key is accepted only from a device he has signed in on online."""
    world = central_server.world(debit_cents=1000, devices=2)
    r = world.resident
    (device_a, _), (device_b, _) = world.devices
    with world.terminal(0, prove=False) as a, world.terminal(1, prove=False) as b:
        salt = parse_proof_salt(_sign_in(a, world)["proof_salt"])  # online once, on device A
        offline = offline_key(r.pin, salt)  # what a terminal makes from the PIN, offline
        [on_b] = _push(
            b, _proved(item("purchase_stamps", 1, purchase(r.resident_id)), device_b, offline, None)
        )
        assert _refusal(on_b) == ("rejected", "resident_unproven", "never_signed_in_here")
        wrong_pin = offline_key("9999", salt)
        [guess] = _push(
            a,
            _proved(item("purchase_stamps", 1, purchase(r.resident_id)), device_a, wrong_pin, None),
        )
        assert _refusal(guess) == ("rejected", "resident_unproven", "bad_mac")
        [on_a] = _push(
            a, _proved(item("purchase_stamps", 2, purchase(r.resident_id)), device_a, offline, None)
        )
    assert on_a["outcome"] == "accepted"
    assert central_server.balances(r.resident_id) == (1, 950)


def test_a_session_long_over_proves_nothing_but_work_queued_offline_for_days_is_taken(
    private_server: LiveServer,
) -> None:
    world = private_server.world(debit_cents=1000)
    r, (device_id, _) = world.resident, world.devices[0]
    with world.terminal(prove=False) as terminal:
        session = _sign_in(terminal, world)["session"]
        session_key, sid = bytes.fromhex(session["key"]), session["session_id"]
        queued = [
            _proved(
                item("purchase_stamps", seq, purchase(r.resident_id)), device_id, session_key, sid
            )
            for seq in (1, 2)
        ]
        private_server.advance_clock(10 * 24 * 3600)  # a ten-day outage: still taken
        [late] = _push(terminal, queued[0])
        assert late["outcome"] == "accepted"
        private_server.advance_clock(30 * 24 * 3600)  # forty days: the session proves nothing
        [stale] = _push(terminal, queued[1])
    assert _refusal(stale) == ("rejected", "resident_unproven", "session_long_over")
    assert private_server.balances(r.resident_id) == (1, 950)


def test_a_stolen_tablet_holds_no_key_after_sign_out_and_its_offline_work_is_proved(
    tmp_path: Path, central_server: LiveServer
) -> None:
    """The real terminal: the session's key never reaches the store; an offline sign-in's
    reply is proved with the offline key and accepted once the server is back."""
    world = central_server.world(stamps=3)
    r = world.resident
    upstream = urlparse(central_server.url)
    proxy = FaultProxy(
        (upstream.hostname or "", upstream.port or 0), seed=1, rate=1.0, faults=("drop",)
    )
    with proxy.running():
        proxy.enabled = False
        terminal = make_terminal(tmp_path, proxy.url, world.devices[0])
        try:
            assert terminal.worker.sync_once().online
            terminal.core.sign_in(r.facility_number, r.pin)
            signer = terminal.core._active().signer  # the test looks inside, as a memory dump would
            assert signer is not None and signer.lifetime_s is not None
            session_key = signer.key  # type: ignore[attr-defined]
            terminal.core.send_reply(r.contact_id, None, "Sent online")
            terminal.core.end_session("sign_out")
            wait_for(lambda: terminal.worker.sync_once().items_waiting == 0)

            proxy.enabled = True  # the network is gone
            assert terminal.core.sign_in(r.facility_number, r.pin).offline
            terminal.core.send_reply(r.contact_id, None, "Written offline")
            terminal.core.end_session("sign_out")
            files = [p for p in terminal.store.path.parent.iterdir() if p.is_file()]
            stored = b"".join(p.read_bytes() for p in files)
            assert session_key not in stored and session_key.hex().encode() not in stored
            with sqlite3.connect(terminal.store.path) as db:
                proofs = [
                    row[0] for row in db.execute("SELECT proof FROM outbox WHERE proof IS NOT NULL")
                ]
            assert any('"offline"' in p for p in proofs)

            proxy.enabled = False
            wait_for(lambda: terminal.worker.sync_once().items_waiting == 0)
        finally:
            terminal.close()
    with world.staff() as staff:
        queue = ok(staff.get("/v1/staff/review", params={"resident_id": r.resident_id}))
    assert sorted(m["body"] for m in queue) == ["Sent online", "Written offline"]


def test_announcing_an_older_protocol_does_not_get_around_the_proof(
    central_server: LiveServer,
) -> None:
    world = central_server.world(debit_cents=1000)
    r = world.resident
    with central_server.client(world.credential, protocol="1.3", prove=False) as old:
        answer = _sign_in(old, world)
        assert set(answer) == {"resident", "contacts", "offline_verifier"}  # what 1.3 reads
        [result] = _push(old, item("purchase_stamps", 1, purchase(r.resident_id)))
    assert (result["outcome"], result["reason"]) == ("rejected", "invalid_payload")
    assert result["params"]["errors"][0]["type"] == "resident_unproven"
    assert central_server.balances(r.resident_id) == (0, 1000)
