"""Feed scenarios: paging with cursors, the long poll, review as the feed shows it, reconcile."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from sync.conformance.client import Refused, cursor_before
from sync.conformance.push_scenarios import accepted, message
from sync.conformance.scenarios import Context, check, refused, scenario
from sync.conformance.shapes import conform_snapshot


def about(changes: list[dict[str, Any]], resident_id: str) -> list[dict[str, Any]]:
    return [
        c for c in changes if c["kind"] != "policy" and c["data"].get("resident_id") == resident_id
    ]


@scenario(
    "pull",
    "the feed pages with cursors (has_more, never backwards), holds the unit's residents and "
    "the policy, is empty at its head; a cursor ahead is 409 cursor_ahead",
)
def pull(context: Context) -> None:
    terminal = context.terminal
    seen: list[dict[str, Any]] = []
    cursor, pages = "0", 0
    while True:
        page = terminal.changes(cursor, limit=3)
        check(len(page["changes"]) <= 3, f"a page of {len(page['changes'])} over limit 3")
        seen.extend(page["changes"])
        pages += 1
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
        check(pages < 10000, "the feed never ends")
    check(pages > 1, "a limit of 3 gave one page: has_more never set")
    kinds = {c["kind"] for c in seen}
    check("policy" in kinds, "no policy change")
    residents = {c["data"]["resident_id"] for c in seen if c["kind"] == "resident"}
    mine = {r.resident_id for r in context.world.residents}
    check(mine <= residents, f"residents missing from the feed: {mine - residents}")
    outsider = context.world.outsider
    assert outsider is not None
    check(not about(seen, outsider.resident_id), "another unit's resident in the feed")
    cursors = [c["cursor"] for c in seen]
    check(len(set(cursors)) == len(cursors), "a cursor served twice")
    head = terminal.changes(cursor)
    check(head["changes"] == [] and not head["has_more"], f"at the head: {head}")
    check(head["next_cursor"] == cursor, f"next_cursor moved at the head: {head}")
    if cursor.isdigit():
        ahead = str(int(cursor) + 1_000_000)
        problem = refused(409, "cursor_ahead", lambda: terminal.changes(ahead))
        check({"cursor", "head"} <= problem.params.keys(), f"params {problem.params}")
    refused(422, "invalid_request", lambda: terminal.changes(cursor, limit=0))
    context.notes["head"] = cursor


@scenario(
    "long-poll",
    "a long poll at the head returns the change made while it waits; with nothing new it "
    "returns an empty page",
)
def long_poll(context: Context) -> None:
    terminal = context.terminal
    _, head = terminal.pull_all()
    empty = terminal.changes(head, wait=1)
    check(empty["changes"] == [] and empty["next_cursor"] == head, f"empty wait: {empty}")
    answer: list[Any] = []
    started = threading.Event()

    def poll() -> None:
        started.set()
        try:
            answer.append(terminal.changes(head, wait=20))
        except Exception as problem:
            answer.append(problem)

    waiter = threading.Thread(target=poll)
    waiter.start()
    started.wait()
    resident = context.resident(0)
    context.staff.deposit(resident, 1)
    waiter.join()
    page = answer[0]
    check(isinstance(page, dict), f"the long poll failed: {page!r}")
    check(page["changes"], "the long poll returned nothing though a change was made")
    balances = [c for c in page["changes"] if c["kind"] == "debit_balance"]
    check(
        any(c["data"]["resident_id"] == resident.resident_id for c in balances),
        f"the deposit's debit_balance is not in {page['changes']}",
    )


@scenario(
    "review",
    "staff see a sent message in review; approve -> delivered, reject -> rejected with the "
    "reason (and a refund when the policy says so) in the feed",
)
def review(context: Context) -> None:
    terminal = context.terminal
    context.signed_in(0)
    _, cursor = terminal.pull_all()
    kept, dropped = message(context, 0, "Approve me"), message(context, 0, "Reject me")
    east = timezone(timedelta(hours=2))  # an instant may be written with any offset
    dropped["written_at"] = instant(dropped["written_at"]).astimezone(east).isoformat()
    results = terminal.push(
        [terminal.item("send_message", kept), terminal.item("send_message", dropped)]
    )
    accepted(results, "messages for review")
    again = message(context, 0, "Same client_id") | {"client_id": kept["client_id"]}
    taken = terminal.push([terminal.item("send_message", again)])[0]  # under a new key
    check(
        (taken["outcome"], taken["reason"], (taken["params"] or {}).get("client_id"))
        == ("rejected", "idempotency_key_reused", kept["client_id"]),
        f"a client_id used again: {taken}",
    )
    ids = [r["result"]["message_id"] for r in results]
    queued = {m["message_id"] for m in context.staff.queue(context.resident(0))}
    check(set(ids) <= queued, f"not in review: {set(ids) - queued}")
    context.staff.review(ids[0], "approve")
    context.staff.review(ids[1], "reject", "conformance kit")
    changes, _ = terminal.pull_all(cursor)
    statuses = {
        (c["data"]["message_id"], c["data"]["status"]): c["data"]
        for c in changes
        if c["kind"] == "message_status"
    }
    for message_id, client_id in ((ids[0], kept["client_id"]), (ids[1], dropped["client_id"])):
        check((message_id, "pending_review") in statuses, f"no pending_review for {message_id}")
        check(statuses[(message_id, "pending_review")]["client_id"] == client_id, "client_id")
    check((ids[0], "delivered") in statuses, f"approved message not delivered: {statuses.keys()}")
    check((ids[1], "rejected") in statuses, f"rejected message not rejected: {statuses.keys()}")
    check(statuses[(ids[1], "rejected")]["reason"], "a rejection without its reason")
    outbound = {
        c["data"]["message_id"]: c["data"] for c in changes if c["kind"] == "outbound_message"
    }
    check(set(ids) <= outbound.keys(), "outbound_message missing for a sent message")
    for message_id, sent in zip(ids, (kept, dropped), strict=True):
        published = outbound[message_id]
        written = instant(sent["written_at"])
        check(  # 1.6: kept as the terminal sent it, and the timeline's pending_review step
            instant(published["written_at"]) == written,
            f"written_at {published['written_at']}, sent {sent['written_at']}",
        )
        first = published["timeline"][0] if published["timeline"] else {}
        check(
            first.get("status") == "pending_review" and instant(first["at"]) == written,
            f"timeline {published['timeline']} does not start at written_at",
        )
    if context.policy.get("refund_on_reject"):
        refunds = [
            c["data"]
            for c in changes
            if c["kind"] == "ledger_entry" and c["data"]["kind"] == "refund"
        ]
        check(
            any(r["reference"] == dropped["client_id"] and r["stamps"] > 0 for r in refunds),
            f"no refund for the rejected message: {refunds}",
        )


def instant(text: str) -> datetime:
    """An RFC 3339 time as an aware datetime, to compare instants however they are written."""
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def counts_from_feed(context: Context, resident_id: str) -> dict[str, Any]:
    """What the terminal holds of a resident, derived from the whole feed as the page says:
    stamps the sum of its ledger entries (each entry_id once), debit the latest
    debit_balance by as_of, messages the server messages it holds (approved inbound and
    accepted outbound, each message_id once)."""
    changes, context.notes["head"] = context.terminal.pull_all()
    mine = about(changes, resident_id)
    entries = {c["data"]["entry_id"]: c["data"] for c in mine if c["kind"] == "ledger_entry"}
    debits = [c["data"] for c in mine if c["kind"] == "debit_balance"]
    if not debits:
        context.wire.guesses.add("debit-before-any")
    # the latest by as_of; of two with the same as_of, the later in the feed
    by_as_of = sorted(enumerate(debits), key=lambda pair: (instant(pair[1]["as_of"]), pair[0]))
    messages = {
        c["data"]["message_id"] for c in mine if c["kind"] in ("message", "outbound_message")
    }
    return {
        "resident_id": resident_id,
        "stamps": sum(entry["stamps"] for entry in entries.values()),
        "debit_cents": by_as_of[-1][1]["cents"] if by_as_of else 0,
        "messages": len(messages),
    }


@scenario(
    "reconcile",
    "counts derived from the feed match; a wrong count is a mismatch with a snapshot of the "
    "server's figures; another unit's resident is 403 not_your_resident",
)
def reconcile(context: Context) -> None:
    terminal = context.terminal
    resident = context.resident(0)
    counts = counts_from_feed(context, resident.resident_id)
    answer = terminal.call("POST", "/v1/reconcile", body={"residents": [counts]})
    check(answer == {"mismatches": [], "snapshots": []}, f"counts from the feed: {answer}")
    wrong = {**counts, "stamps": counts["stamps"] + 7, "messages": counts["messages"] + 1}
    answer = terminal.call("POST", "/v1/reconcile", body={"residents": [wrong]})
    fields = {m["field"]: m for m in answer["mismatches"]}
    check(set(fields) == {"stamps", "messages"}, f"mismatches {answer['mismatches']}")
    check(
        (fields["stamps"]["terminal"], fields["stamps"]["server"])
        == (wrong["stamps"], counts["stamps"]),
        f"stamps mismatch {fields['stamps']}",
    )
    check(len(answer["snapshots"]) == 1, f"snapshots: {len(answer['snapshots'])}")
    snapshot = conform_snapshot(answer["snapshots"][0], context.wire.guesses)
    check(snapshot["resident"]["resident_id"] == resident.resident_id, "snapshot of whom?")
    check(snapshot["stamps"] == counts["stamps"], f"snapshot stamps {snapshot['stamps']}")
    check(snapshot["debit_cents"] == counts["debit_cents"], "snapshot debit")
    check(  # the feed position it reflects: the server's head, never behind the kit's pull
        not cursor_before(snapshot["cursor"], context.notes["head"], context.wire.guesses),
        f"snapshot cursor {snapshot['cursor']} behind the head {context.notes['head']} pulled",
    )
    outsider = context.world.outsider
    assert outsider is not None
    foreign = {**counts, "resident_id": outsider.resident_id}
    try:
        terminal.call("POST", "/v1/reconcile", body={"residents": [foreign]})
    except Refused as problem:
        check((problem.status, problem.code) == (403, "not_your_resident"), str(problem))
    else:
        check(False, "another unit's resident reconciled")
