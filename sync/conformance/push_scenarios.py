"""Push scenarios: every item kind, retries, fates, proofs, refusals and conflicts."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sync.conformance import audit_chain
from sync.conformance.client import key
from sync.conformance.scenarios import Context, check, refused, scenario
from sync.conformance.shapes import conform


def now(hours_ago: int = 0) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def message(context: Context, index: int, body: str = "Hello from the kit") -> dict[str, Any]:
    resident = context.resident(index)
    return {
        "client_id": key(),
        "resident_id": resident.resident_id,
        "contact_id": resident.contact_id,
        "body": body,
        "in_reply_to": None,
        "payment": "stamps",
        "stamps": context.policy["stamps_per_message"],
        "written_at": now(hours_ago=2),  # written offline: the server keeps it as sent
    }


def purchase(context: Context, index: int, price_delta: int = 0) -> dict[str, Any]:
    product = context.policy["stamp_products"][0]
    return {
        "client_id": key(),
        "resident_id": context.resident(index).resident_id,
        "product_id": product["product_id"],
        "quantity": product["stamps"],
        "price_cents": product["price_cents"] + price_delta,
    }


def blocked(context: Context, index: int, value: bool) -> dict[str, Any]:
    resident = context.resident(index)
    return {
        "resident_id": resident.resident_id,
        "contact_id": resident.contact_id,
        "blocked": value,
    }


def audit(context: Context, chain_seq: int) -> dict[str, Any]:
    """The first event of a chain (docs/protocol.md, "The audit chain")."""
    event = {
        "seq": chain_seq,
        "at": audit_chain.event_time(datetime.now(UTC)),
        "resident_id": context.resident(0).resident_id,
        "action": "sign_in",
        "details": {"kit": "conformance"},
        "prev_hash": audit_chain.GENESIS,
    }
    return {**event, "hash": audit_chain.chain_hash(audit_chain.GENESIS, event)}


def inbound_message(context: Context, index: int) -> str:
    """A family message to resident ``index``, approved by staff; its server ID."""
    message_id = context.staff.family_message(
        context.world, context.resident(index), f"Inbound {uuid.uuid4().hex[:6]}"
    )
    context.staff.review(message_id, "approve")
    return message_id


def accepted(results: list[dict[str, Any]], what: str) -> None:
    for result in results:
        check(result["outcome"] == "accepted", f"{what}: {result}")


@scenario(
    "push-kinds",
    "every item kind accepted with its documented result; the same batch again is all "
    "duplicates with the first answers; fate knows each key",
)
def push_kinds(context: Context) -> None:
    terminal = context.terminal
    context.signed_in(0)
    inbound = inbound_message(context, 0)
    before = context.staff.balances(context.resident(0))
    resident_id = context.resident(0).resident_id
    items = [
        terminal.item("purchase_stamps", purchase(context, 0)),
        terminal.item("send_message", message(context, 0)),
        terminal.item("set_contact_blocked", blocked(context, 0, True)),
        terminal.item("set_contact_blocked", blocked(context, 0, False)),
        terminal.item(
            "mark_read", {"resident_id": resident_id, "message_id": inbound, "read_at": now()}
        ),
        terminal.item("hide_message", {"resident_id": resident_id, "message_id": inbound}),
        terminal.item("audit", audit(context, 1), prove=None),
    ]
    first = terminal.push(items)
    accepted(first, "first push")
    bought = conform("bought", first[0]["result"], context.wire.guesses, "purchase result")
    sent = conform("sent", first[1]["result"], context.wire.guesses, "send_message result")
    check(sent["status"] == "pending_review", f"sent status {sent['status']}")
    check(any(entry["kind"] == "spend" for entry in sent["ledger"]), f"no spend: {sent['ledger']}")
    for entry in bought["ledger"] + sent["ledger"]:
        conform("ledger_entry", entry, context.wire.guesses, "result ledger entry")
    conform("debit_balance", bought["debit"], context.wire.guesses, "purchase debit")
    again = terminal.push(items)
    for one, two in zip(first, again, strict=True):
        check(two["outcome"] == "duplicate", f"retry: {two}")
        check(two["original_outcome"] == "accepted", f"retry original: {two}")
        check(two.get("result") == one.get("result"), f"retry result differs: {two}")
    product = context.policy["stamp_products"][0]
    after = context.staff.balances(context.resident(0))
    spent = context.policy["stamps_per_message"]
    check(
        after == (before[0] + product["stamps"] - spent, before[1] - product["price_cents"]),
        f"balances {before} -> {after}: not exactly one purchase and one message",
    )
    fresh = key()
    fates = terminal.fate([items[0]["idempotency_key"], fresh, items[1]["idempotency_key"]])
    check([f["fate"] for f in fates] == ["stored", "unknown", "stored"], f"fates {fates}")
    check(fates[0]["answer"]["result"] == first[0]["result"], "fate answer differs from push")


@scenario(
    "proofs",
    "offline proofs from proof_salt are taken; a missing, wrong or foreign proof is "
    "resident_unproven",
)
def proofs(context: Context) -> None:
    terminal = context.terminal
    context.signed_in(0)
    context.signed_in(1)
    offline = terminal.item("set_contact_blocked", blocked(context, 1, False), prove="offline")
    missing = terminal.item("set_contact_blocked", blocked(context, 1, False), prove=None)
    wrong = terminal.item("set_contact_blocked", blocked(context, 1, False))
    wrong["proof"]["mac"] = "0" * 64
    foreign = terminal.item("set_contact_blocked", blocked(context, 1, False))
    foreign["proof"]["session_id"] = terminal.residents[context.resident(0).resident_id].session_id
    results = terminal.push([offline, missing, wrong, foreign])
    accepted(results[:1], "offline proof")
    for result, why in zip(results[1:], ("missing", "bad_mac", "unknown_session"), strict=True):
        check(result["outcome"] == "rejected", f"{why}: {result}")
        check(result["reason"] == "resident_unproven", f"{why}: {result}")
        check(result["params"].get("why") in {why, "bad_mac"}, f"{why}: {result['params']}")


@scenario(
    "push-refusals",
    "invalid payload, insufficient stamps, changed price, unknown message and a resident "
    "moved out of the unit are rejected item by item; the items beside them apply",
)
def push_refusals(context: Context) -> None:
    terminal = context.terminal
    context.signed_in(1)
    poor = context.resident(1).resident_id
    bad = {"resident_id": poor, "contact_id": context.resident(1).contact_id}
    mover = context.resident(4)
    context.signed_in(4)
    moved = terminal.item("set_contact_blocked", blocked(context, 4, False))
    context.staff.move(mover, context.world.other_unit)
    outsider = context.world.outsider
    assert outsider is not None
    foreign = blocked(context, 1, False) | {"resident_id": outsider.resident_id}
    items = [
        terminal.item("set_contact_blocked", bad),
        terminal.item("set_contact_blocked", blocked(context, 1, False)),
        terminal.item("send_message", message(context, 1)),
        terminal.item("purchase_stamps", purchase(context, 1, price_delta=1)),
        terminal.item(
            "mark_read",
            {"resident_id": poor, "message_id": f"{context.world.run}-nope", "read_at": now()},
        ),
        {**moved, "seq": terminal.next_seq()},
        terminal.item("set_contact_blocked", foreign, prove=None),
    ]
    results = terminal.push(items)
    wanted = [
        "invalid_payload",
        None,
        "insufficient_stamps",
        "price_changed",
        "unknown_message",
        "not_your_resident",
    ]
    for result, reason in zip(results, wanted, strict=False):
        if reason is None:
            check(result["outcome"] == "accepted", f"the valid item beside: {result}")
        else:
            check(
                (result["outcome"], result["reason"]) == ("rejected", reason),
                f"expected {reason}: {result}",
            )
    context.wire.guesses.add("proof-before-scope")
    check(
        (results[6]["outcome"], results[6]["reason"])
        in {("rejected", "not_your_resident"), ("rejected", "resident_unproven")},
        f"an unproven item for another unit's resident: {results[6]}",
    )
    check({"needed", "have"} <= results[2]["params"].keys(), f"{results[2]['params']}")
    check({"stamps", "price_cents"} <= results[3]["params"].keys(), f"{results[3]['params']}")
    check(results[0]["params"].get("errors"), f"invalid_payload without errors: {results[0]}")
    again = terminal.push(items[2:3])
    check(again[0]["original_outcome"] == "rejected", f"a rejection replayed: {again[0]}")


@scenario(
    "conflicts",
    "a reused key, a batch out of order and a regressed seq are refused; a renumbered item "
    "goes; two devices racing for the last stamp: exactly one wins",
)
def conflicts(context: Context) -> None:
    terminal = context.terminal
    context.signed_in(0)
    first = terminal.item("set_contact_blocked", blocked(context, 0, False))
    accepted(terminal.push([first]), "first")
    reused = terminal.item(
        "set_contact_blocked", blocked(context, 0, True), idempotency_key=first["idempotency_key"]
    )
    result = terminal.push([reused])[0]  # in a push: the item rejected, in a 200
    check(result["outcome"] == "rejected", f"reused key: {result}")
    check(result["reason"] == "idempotency_key_reused", f"reused key: {result}")
    one = terminal.item("set_contact_blocked", blocked(context, 0, False))
    two = terminal.item("set_contact_blocked", blocked(context, 0, False))
    problem = refused(400, "batch_out_of_order", lambda: terminal.push([two, one]))
    wanted = {"seq": one["seq"], "after": two["seq"]}
    got = {name: problem.params.get(name) for name in wanted}
    check(got == wanted, f"batch_out_of_order params {problem.params}, not {wanted}")
    stale = terminal.item("set_contact_blocked", blocked(context, 0, False), seq=1)
    problem = refused(409, "sequence_regressed", lambda: terminal.push([stale]))
    check({"seq", "last_seq"} <= problem.params.keys(), f"params {problem.params}")
    mark = int(problem.params["last_seq"])
    check(mark >= first["seq"], f"last_seq {mark} below a pushed seq {first['seq']}")
    stale["seq"] = terminal.seq = mark + 1
    accepted(terminal.push([stale]), "renumbered past last_seq")
    race(context)


def race(context: Context) -> None:
    """Two devices of the unit spend resident 3's only stamps at once."""
    resident = context.resident(3)
    context.staff.give_stamps(context.world, resident, context.policy["stamps_per_message"])
    terminals = [context.terminal, context.staff.enrolled([context.world.unit])]
    items = []
    for terminal in terminals:
        terminal.sign_in(resident.number, resident.pin)
        items.append(terminal.item("send_message", message(context, 3)))
    results: list[Any] = [None, None]

    def push(index: int) -> None:
        try:
            results[index] = terminals[index].push([items[index]])[0]
        except Exception as problem:
            results[index] = problem

    threads = [threading.Thread(target=push, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        check(isinstance(result, dict), f"race push failed: {result!r}")
    outcomes = sorted((r["outcome"], r.get("reason")) for r in results)
    check(
        outcomes == [("accepted", None), ("rejected", "insufficient_stamps")],
        f"the race: {outcomes}",
    )
    check(context.staff.balances(resident)[0] == 0, "stamps not exactly spent once")
    # The same item under the same key from the other device: not a duplicate, a reuse.
    payload = items[0]["payload"]
    copied = terminals[1].item("send_message", payload, idempotency_key=items[0]["idempotency_key"])
    result = terminals[1].push([copied])[0]
    check(
        (result["outcome"], result["reason"]) == ("rejected", "idempotency_key_reused"),
        f"another device's key: {result}",
    )
