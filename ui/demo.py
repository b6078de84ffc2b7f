"""A demo facility for screenshots and benchmarks, built the way production data arrives.

Everything goes through :func:`kiosk.feed.apply_page` (the server's change
feed) into a real store. The one stand-in is :class:`DemoDirectory`, which
answers sign-in as the server would for the demo residents; the real terminal
uses ``sync.authenticator.OnlineAuthenticator``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kiosk import feed, replies
from kiosk.auth import ItemSigner, ResidentProfile
from kiosk.config import Settings
from kiosk.errors import Refusal
from kiosk.store.database import Store

DEMO_NOW = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # a Monday, 10:30 in Chicago
DEMO_NUMBER, DEMO_PIN = "1001", "2468"


@dataclass
class DemoDirectory:
    """Answers sign-in for the demo residents (facility number -> PIN, profile)."""

    pins: dict[str, tuple[str, ResidentProfile]] = field(default_factory=dict)

    def authenticate(self, facility_number: str, pin: str) -> ResidentProfile:
        known = self.pins.get(facility_number)
        if known is None or known[0] != pin:
            raise Refusal("invalid_credentials")
        return known[1]

    def offline_signer(self, proof_salt: str, pin: str) -> ItemSigner | None:
        return None  # the in-process demo has no server to prove anything to


class DemoFeed:
    """Applies server changes to a store, with cursors and ids of its own."""

    def __init__(self, store: Store, now: datetime = DEMO_NOW) -> None:
        self.store = store
        self.now = now
        self._cursor = itertools.count(1)

    def apply(self, changes: Iterable[tuple[str, dict[str, object]]]) -> None:
        page = [{"cursor": str(next(self._cursor)), "kind": k, "data": d} for k, d in changes]
        if page:
            feed.apply_page(self.store, page, str(page[-1]["cursor"]), self.now)


def policy_document(**overrides: object) -> dict[str, object]:
    document: dict[str, object] = {
        "facility_id": "demo",
        "stamp_products": [
            {"product_id": "single", "name": "One stamp", "stamps": 1, "price_cents": 50},
            {"product_id": "book10", "name": "Book of 10", "stamps": 10, "price_cents": 450},
            {"product_id": "book25", "name": "Book of 25", "stamps": 25, "price_cents": 1000},
        ],
        "stamps_per_message": 1,
        "max_message_chars": 30000,
        "refund_on_reject": True,
        "cod_allowed": True,
        "hours": [],
        "timezone": "America/Chicago",
        "session_cap_s": 1800,
        "idle_kiosk_s": 120,
        "idle_tablet_s": 300,
        "idle_warning_s": 20,
        "lockout_attempts": 5,
        "lockout_minutes": 15,
        "messaging_suspended": False,
        "suspended_reason": None,
        "retention_days": 365,
    }
    document.update(overrides)
    return document


def build_demo(store: Store, *, inbox_size: int = 0) -> DemoDirectory:
    """A resident (1001 / 2468) with contacts, a varied inbox, stamps and receipts."""
    from kiosk import pin

    feed = DemoFeed(store)
    now = feed.now
    feed.apply([("policy", policy_document())])
    resident: dict[str, object] = {
        "resident_id": "r1",
        "facility_number": DEMO_NUMBER,
        "display_name": "Ana Ruiz",
        "housing_unit": "B-2",
        "language": "es",
        "restricted_until": None,
        "restriction_reason": None,
    }
    contacts = [
        ("c1", "Maria Ruiz", "sister", "approved", True),
        ("c2", "Luis Fernández", "friend", "approved", False),
        ("c3", "Rosa Ruiz", "mother", "approved", False),
        ("c4", "Pedro Gómez", "cousin", "pending", False),
        ("c5", "Carlos Díaz", "friend", "blocked", False),
        ("c6", "Jordan Lee", "friend", "suspended", False),
    ]
    changes: list[tuple[str, dict[str, object]]] = [("resident", resident)]
    for cid, name, relation, state, cod in contacts:
        changes.append(
            (
                "contact",
                {
                    "contact_id": cid,
                    "resident_id": "r1",
                    "display_name": name,
                    "relationship": relation,
                    "state": state,
                    "accepts_cod": cod,
                    "state_reason": (
                        "Under review after a returned letter" if state == "suspended" else None
                    ),
                },
            )
        )

    def message(
        mid: str, cid: str, body: str, minutes_ago: int, **extra: object
    ) -> tuple[str, dict[str, object]]:
        return (
            "message",
            {
                "message_id": mid,
                "resident_id": "r1",
                "contact_id": cid,
                "body": body,
                "media": extra.get("media", []),
                "has_return_stamp": extra.get("return_stamp", False),
                "approved_at": (now - timedelta(minutes=minutes_ago)).isoformat(),
            },
        )

    changes += [
        message("m1", "c3", "Mija, we are all praying for you. Your father says hello.", 60 * 26),
        message(
            "m2",
            "c1",
            "Here are the photos from Sofia's birthday! She asked about you all day.",
            95,
            media=[
                {"kind": "photo", "id": "p1", "caption": "Cake"},
                {"kind": "photo", "id": "p2", "caption": "Balloons"},
            ],
        ),
        message(
            "m3",
            "c1",
            "I put a return stamp on this one so you can write back for free. Love you.",
            40,
            return_stamp=True,
        ),
        message("m4", "c2", "The game on Sunday was crazy. Call me when you can.", 15),
    ]
    changes += [
        ("ledger_entry", _entry("e1", "transfer_in", 5, 0, "From Maria", now - timedelta(days=3))),
        ("ledger_entry", _entry("e2", "purchase", 10, -450, "Book of 10", now - timedelta(days=2))),
        ("ledger_entry", _entry("e3", "spend", -1, 0, "Reply to Rosa", now - timedelta(days=1))),
        (
            "debit_balance",
            {
                "resident_id": "r1",
                "cents": 2375,
                "as_of": (now - timedelta(minutes=12)).isoformat(),
            },
        ),
    ]
    feed.apply(changes)
    if inbox_size:
        fill_inbox(feed, "c2", inbox_size)
    profile = ResidentProfile(
        resident_id="r1",
        facility_number=DEMO_NUMBER,
        display_name="Ana Ruiz",
        housing_unit="B-2",
        language="es",
        offline_verifier=pin.make(DEMO_PIN),
    )
    return DemoDirectory({DEMO_NUMBER: (DEMO_PIN, profile)})


def _entry(
    eid: str, kind: str, stamps: int, cents: int, memo: str, at: datetime
) -> dict[str, object]:
    return {
        "entry_id": eid,
        "resident_id": "r1",
        "kind": kind,
        "stamps": stamps,
        "cents": cents,
        "memo": memo,
        "reference": None,
        "booked_at": at.isoformat(),
    }


def fill_inbox(feed: DemoFeed, contact_id: str, count: int, chunk: int = 5000) -> None:
    """``count`` approved inbound messages from one contact, spread over the past year."""
    start = feed.now - timedelta(days=365)
    step = timedelta(days=365) / max(count, 1)
    for first in range(0, count, chunk):
        feed.apply(
            (
                "message",
                {
                    "message_id": f"bulk-{i}",
                    "resident_id": "r1",
                    "contact_id": contact_id,
                    "body": f"Message number {i}: how are things going this week? Write back soon.",
                    "media": [],
                    "has_return_stamp": False,
                    "approved_at": (start + step * i).isoformat(),
                },
            )
            for i in range(first, min(count, first + chunk))
        )


def add_demo_replies(store: Store, directory: DemoDirectory, settings: Settings) -> None:
    """Replies sent ten minutes ago, moved along by the server: queued, delivered, rejected.

    Also a stamp book the server refused (not enough money), so the receipts show why.
    """
    from kiosk.core import Core

    feed = DemoFeed(store)
    sent_at = DEMO_NOW - timedelta(minutes=10)
    core = Core(store, settings, lambda: sent_at, directory)
    core.sign_in(DEMO_NUMBER, DEMO_PIN)
    newest = {c: core.thread_page(c).messages[0].message_id for c in ("c1", "c2", "c3")}
    photos = next(m for m in core.thread_page("c1").messages if m.media)
    core.send_reply("c1", photos.message_id, "Love the photos! Sofia looks so grown up.")
    core.send_reply("c1", None, "Is Sofia's school play on Friday?")
    refused = core.buy_stamps("book25")
    to_rosa = core.send_reply("c3", newest["c3"], "Thank you Mom. Tell Dad I miss him.")
    to_luis = core.send_reply("c2", newest["c2"], "Call my cousin at 555-0101 for me.")
    core.end_session("sign_out")
    for sent, server_id in ((to_rosa, "srv-1"), (to_luis, "srv-2")):
        replies.apply_push_result(
            store,
            sent.outbox_item_id,
            "accepted",
            None,
            None,
            {"message_id": server_id, "status": "pending_review", "ledger": []},
            sent_at + timedelta(minutes=1),
        )
    replies.apply_push_result(
        store,
        refused.outbox_item_id,
        "rejected",
        "insufficient_funds",
        {},
        None,
        sent_at + timedelta(minutes=1),
    )

    def status(
        server_id: str, value: str, minutes: int, reason: str | None = None
    ) -> tuple[str, dict[str, object]]:
        return (
            "message_status",
            {
                "message_id": server_id,
                "client_id": None,
                "resident_id": "r1",
                "status": value,
                "reason": reason,
                "at": (sent_at + timedelta(minutes=minutes)).isoformat(),
            },
        )

    feed.apply(
        [
            status("srv-1", "delivered", 6),
            status("srv-2", "rejected", 8, "Phone numbers are not allowed in messages."),
        ]
    )
