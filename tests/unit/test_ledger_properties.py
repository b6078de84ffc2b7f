"""Property tests of the stamp ledger: any mix of the things that move stamps keeps the books.

For any sequence of purchases, family transfers, replies, confirmations,
push rejections, review rejections, refunds and duplicated deliveries:

- the confirmed balance equals the sum of the resident's ledger entries;
- spendable stamps never go below zero;
- no reply is paid twice: a return stamp pays for at most one live reply, and
  a reply has at most one spend hold.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from kiosk import replies
from kiosk.core import Core
from kiosk.errors import Refusal
from kiosk.store.models import (
    Hold,
    HoldKind,
    LedgerEntry,
    Message,
    OutboundStatus,
    OutboxItem,
    OutboxState,
    Payment,
)
from tests.stores import fresh_store

from .conftest import World


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="kite-ledger-"))
        self.store = fresh_store(self.tmp / "kite.db")
        self.world = World(self.store)
        self.world.policy()
        self.world.resident(cache_verifier=False)
        self.world.contact()
        self.core: Core = self.world.signed_in()
        self.entries = itertools.count(1)
        self.delivered: list[dict[str, Any]] = []  # ledger entries the server sent, for replays

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------
    def _pending(self, kind: str) -> list[OutboxItem]:
        with self.store.read() as db:
            return list(
                db.scalars(
                    select(OutboxItem)
                    .where(OutboxItem.kind == kind, OutboxItem.state == OutboxState.PENDING)
                    .order_by(OutboxItem.id)
                )
            )

    def _entry(self, stamps: int, kind: str, reference: str | None) -> dict[str, Any]:
        entry = self.world.entry(
            stamps, kind, reference=reference, entry_id=f"L{next(self.entries)}"
        )
        self.delivered.append(entry)
        return entry

    def _answer(self, item_id: int, outcome: str, reason: str | None, result: Any) -> None:
        replies.apply_push_result(
            self.store, item_id, outcome, reason, {}, result, self.world.clock()
        )

    # -- what moves stamps --------------------------------------------------------
    @rule(stamps=st.integers(1, 5))
    def family_transfers_stamps(self, stamps: int) -> None:
        self.world.feed(("ledger_entry", self._entry(stamps, "transfer_in", None)))

    @rule(return_stamp=st.booleans())
    def family_writes(self, return_stamp: bool) -> None:
        self.world.inbound(return_stamp=return_stamp)

    @rule(product=st.sampled_from(["single", "book10"]))
    def resident_buys(self, product: str) -> None:
        self.core.buy_stamps(product)

    @rule(answer=st.sampled_from(["accepted", "rejected"]), pick=st.integers(0, 5))
    def server_answers_a_purchase(self, answer: str, pick: int) -> None:
        pending = self._pending("purchase_stamps")
        if not pending:
            return
        item = pending[pick % len(pending)]
        if answer == "rejected":
            self._answer(item.id, "rejected", "insufficient_funds", None)
            return
        entry = self._entry(item.payload["quantity"], "purchase", item.payload["client_id"])
        self._answer(item.id, "accepted", None, {"ledger": [entry]})

    @rule(reply_to=st.none() | st.integers(0, 5), text=st.text(min_size=1, max_size=20))
    def resident_replies(self, reply_to: int | None, text: str) -> None:
        answered = None
        if reply_to is not None:
            inbound = [
                m.message_id
                for m in self.core.thread_page("c1", limit=200).messages
                if m.direction.value == "inbound"
            ]
            if inbound:
                answered = inbound[reply_to % len(inbound)]
        try:
            self.core.send_reply("c1", answered, text)
        except Refusal as refusal:
            assert refusal.code in {"insufficient_stamps", "empty_message"}

    @rule(product=st.sampled_from(["single", "book10"]))
    def resident_buys_and_sends(self, product: str) -> None:
        self.core.buy_and_send(product, "c1", None, "bought to write")

    @rule(answer=st.sampled_from(["accepted", "rejected"]), pick=st.integers(0, 5))
    def server_answers_a_reply(self, answer: str, pick: int) -> None:
        # Like the server: in order, so a reply waits for the purchase it depends on.
        with self.store.read() as db:
            pending = [
                i
                for i in db.scalars(
                    select(OutboxItem).where(
                        OutboxItem.kind == "send_message", OutboxItem.state == OutboxState.PENDING
                    )
                )
                if i.depends_on is None
                or db.get(OutboxItem, i.depends_on).state == OutboxState.DONE  # type: ignore[union-attr]
            ]
            balance = sum(e.stamps for e in db.scalars(select(LedgerEntry)))
        if not pending:
            return
        item = pending[pick % len(pending)]
        stamps = item.payload["stamps"] if item.payload["payment"] == "stamps" else 0
        if answer == "rejected" or balance < stamps:
            self._answer(item.id, "rejected", "insufficient_stamps", None)
            return
        ledger = [self._entry(-stamps, "spend", item.payload["client_id"])] if stamps else []
        result = {"message_id": f"S{item.id}", "status": "sent", "ledger": ledger}
        self._answer(item.id, "accepted", None, result)

    @rule(refund=st.booleans(), pick=st.integers(0, 5))
    def review_rejects_a_sent_reply(self, refund: bool, pick: int) -> None:
        with self.store.read() as db:
            sent = list(
                db.scalars(
                    select(Message).where(
                        Message.status == OutboundStatus.SENT, Message.server_id.is_not(None)
                    )
                )
            )
        if not sent:
            return
        message = sent[pick % len(sent)]
        change = {
            "message_id": message.server_id,
            "client_id": message.client_id,
            "resident_id": "r1",
            "status": "rejected",
            "reason": "review",
            "at": self.world.clock().isoformat(),
        }
        self.world.feed(("message_status", change))
        if refund and message.stamps_cost:
            entry = self._entry(message.stamps_cost, "refund", message.client_id)
            self.world.feed(("ledger_entry", entry))

    @precondition(lambda self: bool(self.delivered))
    @rule(pick=st.integers(0, 50))
    def server_repeats_an_entry(self, pick: int) -> None:
        self.world.feed(("ledger_entry", self.delivered[pick % len(self.delivered)]))

    # -- the books ----------------------------------------------------------------
    @invariant()
    def confirmed_is_the_sum_of_entries_and_spendable_never_negative(self) -> None:
        balances = self.core.balances()
        with self.store.read() as db:
            entries = [e.stamps for e in db.scalars(select(LedgerEntry))]
            assert len({e.server_id for e in db.scalars(select(LedgerEntry))}) == len(entries)
        assert balances.confirmed == sum(entries)
        assert balances.spendable >= 0
        assert balances.spendable == balances.confirmed - balances.held

    @invariant()
    def no_reply_is_paid_twice(self) -> None:
        with self.store.read() as db:
            per_message = db.execute(
                select(Hold.message_id, func.count())
                .where(Hold.kind == HoldKind.SPEND)
                .group_by(Hold.message_id)
            ).all()
            assert all(count == 1 for _, count in per_message)
            live_return_stamp_replies = db.execute(
                select(Message.in_reply_to, func.count())
                .where(
                    Message.payment == Payment.RETURN_STAMP,
                    Message.status != OutboundStatus.REJECTED,
                )
                .group_by(Message.in_reply_to)
            ).all()
            assert all(count == 1 for _, count in live_return_stamp_replies)


LedgerMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_ledger_keeps_its_books = LedgerMachine.TestCase
