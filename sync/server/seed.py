"""A demo facility: housing units, residents with known PINs, contacts and messages in
every state, prices and policy, known staff and family tokens, and optionally a
pre-approved device enrollment so a demo terminal enrolls with nobody copying a token.

Everything goes through the same functions the endpoints use, so the change feed
holds the whole world and a fresh terminal pulls it from cursor 0.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from sync.protocol import EnrollRequest, PolicyDocument, SendMessagePayload, StampProduct
from sync.protocol.policy import OpeningHours
from sync.server import enrollment, review
from sync.server.auth import DeviceIdentity
from sync.server.clock import utcnow
from sync.server.db import Database
from sync.server.feed import publish, unit_audience
from sync.server.ids import new_id
from sync.server.ledger import book, deposit, hold_new_resident
from sync.server.messages import send_message
from sync.server.models import (
    ApiToken,
    Contact,
    Facility,
    FamilyAccount,
    HousingUnit,
    Message,
    Resident,
)
from sync.server.pins import hash_pin, offline_verifier
from sync.server.policy import set_policy
from sync.server.tokens import token_hash
from sync.server.views import contact_data, resident_data, status_data

FACILITY_ID = "demo"
STAFF_TOKEN = "demo-staff-token-0123456789"
FAMILY_TOKEN = "demo-family-token-0123456789"
OTHER_FAMILY_TOKEN = "demo-family2-token-0123456789"
UNITS = ("unit-a", "unit-b")


@dataclass(frozen=True)
class DemoResident:
    resident_id: str
    facility_number: str
    pin: str
    name: str
    unit: str
    stamps: int
    debit_cents: int
    language: str = "en"
    restricted_days: int = 0


RESIDENTS = (
    DemoResident("res-alex", "1001", "1234", "Alex Rivera", "unit-a", 5, 2500),
    DemoResident("res-maria", "1002", "2345", "Maria Lopez", "unit-a", 0, 100, "es"),
    DemoResident("res-sam", "1003", "3456", "Sam Carter", "unit-a", 2, 500, restricted_days=7),
    DemoResident("res-jordan", "2001", "4567", "Jordan Lee", "unit-b", 3, 1000),
)
# (contact id, resident, family, name, relationship, state, accepts COD)
CONTACTS = (
    ("con-alex-mom", "res-alex", "fam-rivera", "Rosa Rivera", "mother", "approved", True),
    ("con-alex-bro", "res-alex", "fam-rivera", "Luis Rivera", "brother", "pending", False),
    ("con-alex-ex", "res-alex", "fam-other", "Chris Doe", "friend", "blocked", False),
    ("con-alex-pal", "res-alex", "fam-other", "Pat Smith", "friend", "suspended", False),
    ("con-maria-sis", "res-maria", "fam-rivera", "Ana Lopez", "sister", "approved", False),
    ("con-sam-dad", "res-sam", "fam-other", "Tom Carter", "father", "approved", True),
    ("con-jordan-mom", "res-jordan", "fam-other", "Kim Lee", "mother", "approved", True),
)


def demo_policy(*, always_open: bool = False) -> PolicyDocument:
    """The demo facility's policy: realistic hours, or none (open around the clock).

    The README's demo opens around the clock so that a newcomer trying Kite at
    any hour reaches the inbox; the closed-hours screen has tests and screenshots.
    """
    hours = (
        []
        if always_open
        else [OpeningHours(weekday=d, opens="06:00", closes="22:00") for d in range(7)]
    )
    return PolicyDocument(
        facility_id=FACILITY_ID,
        stamp_products=[
            StampProduct(product_id="stamp-1", name="1 stamp", stamps=1, price_cents=50),
            StampProduct(product_id="book-10", name="Book of 10", stamps=10, price_cents=450),
        ],
        stamps_per_message=1,
        max_message_chars=30_000,
        refund_on_reject=True,
        cod_allowed=True,
        hours=hours,
        timezone="America/Chicago",
        retention_days=365,
    )


@dataclass
class SeedReport:
    """What was made, to print (CLI) or to drive tests."""

    facility_id: str = FACILITY_ID
    staff_token: str = STAFF_TOKEN
    family_token: str = FAMILY_TOKEN
    other_family_token: str = OTHER_FAMILY_TOKEN
    units: tuple[str, ...] = UNITS
    residents: tuple[DemoResident, ...] = RESIDENTS
    created: bool = False
    messages: dict[str, str] = field(default_factory=dict)  # state -> message id
    device: str | None = None
    balances: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (stamps, cents)

    def lines(self) -> list[str]:
        out = [
            f"facility {self.facility_id} ({'created' if self.created else 'already there'})",
            f"housing units: {', '.join(self.units)}",
            f"staff token:  {self.staff_token}",
            f"family token: {self.family_token}   (second family: {self.other_family_token})",
        ]
        for r in self.residents:
            stamps, cents = self.balances.get(r.resident_id, (r.stamps, r.debit_cents))
            restricted = " (restricted)" if r.restricted_days else ""
            out.append(
                f"resident {r.facility_number} PIN {r.pin}: {r.name} ({r.resident_id}), "
                f"{r.unit}, {stamps} stamps, {cents} cents{restricted}"
            )
        out += [f"contact {c[0]}: {c[3]} for {c[1]}, {c[5]}" for c in CONTACTS]
        out += [f"message {state}: {mid}" for state, mid in sorted(self.messages.items())]
        if self.device:
            out.append(self.device)
        return out


def seed_demo(
    db: Database,
    device_id: str | None = None,
    enroll_code: str | None = None,
    auto_approve: bool = False,
    device_units: tuple[str, ...] = UNITS,
    *,
    always_open: bool = False,
    collection_secret: str | None = None,
) -> SeedReport:
    """The demo facility; with ``device_id`` and ``enroll_code`` also that device's request.

    The device collects with ``collection_secret`` (a random one when not given: then
    only a terminal that is told it can collect).
    """
    db.create_schema()
    report = SeedReport()
    with db.write() as session:
        if session.get(Facility, FACILITY_ID) is None:
            report.created = True
            _world(session, report, always_open=always_open)
        session.expire_all()
        for r in RESIDENTS:
            row = session.get(Resident, r.resident_id)
            if row is not None:
                report.balances[r.resident_id] = (row.stamps, row.debit_cents)
    if device_id and enroll_code:
        with db.write() as session:
            enrollment.request_enrollment(
                session,
                EnrollRequest(
                    device_id=device_id,
                    one_time_code=enroll_code,
                    collection_secret=collection_secret or secrets.token_urlsafe(32),
                    facility_id=FACILITY_ID,
                    device_name=f"demo terminal {device_id}",
                ),
            )
            if auto_approve:
                enrollment.approve(session, device_id, list(device_units), enroll_code)
        report.device = f"device {device_id}: enrollment code {enroll_code}, " + (
            f"approved for {', '.join(device_units)}" if auto_approve else "pending approval"
        )
    return report


def seed_facility(db: Database, facility_id: str, name: str, staff_token: str) -> None:
    """Another facility beside the demo one: no one in it yet, the demo's prices and
    rules under its own ID, and one staff token (``staff_token``) scoped to it.

    What a deployment does when it takes on a facility, and what the tenancy tests
    use in-process to have a second facility whose staff they play.
    """
    db.create_schema()
    with db.write() as session:
        if session.get(Facility, facility_id) is not None:
            raise ValueError(f"facility {facility_id} exists already")
        session.add(Facility(id=facility_id, name=name, policy={}))
        session.flush()
        policy = demo_policy(always_open=True).model_copy(update={"facility_id": facility_id})
        set_policy(session, policy)
        session.add(
            ApiToken(
                token_hash=token_hash(staff_token),
                role="staff",
                facility_id=facility_id,
                label=f"{name} staff",
            )
        )


def _world(session: Session, report: SeedReport, *, always_open: bool) -> None:
    now = utcnow()
    session.add(Facility(id=FACILITY_ID, name="Demo Correctional Facility", policy={}))
    for unit in UNITS:
        session.add(HousingUnit(id=unit, facility_id=FACILITY_ID, name=unit.upper()))
    session.flush()
    set_policy(session, demo_policy(always_open=always_open))
    session.add(
        ApiToken(
            token_hash=token_hash(STAFF_TOKEN),
            role="staff",
            facility_id=FACILITY_ID,
            label="demo staff",
        )
    )
    for fid, name, token in (
        ("fam-rivera", "The Riveras", FAMILY_TOKEN),
        ("fam-other", "Other family", OTHER_FAMILY_TOKEN),
    ):
        session.add(
            FamilyAccount(id=fid, facility_id=FACILITY_ID, display_name=name, spent_cents=0)
        )
        session.flush()
        session.add(
            ApiToken(
                token_hash=token_hash(token),
                role="family",
                facility_id=FACILITY_ID,
                family_id=fid,
                label=name,
            )
        )
    for r in RESIDENTS:
        resident = Resident(
            id=r.resident_id,
            facility_id=FACILITY_ID,
            facility_number=r.facility_number,
            display_name=r.name,
            housing_unit_id=r.unit,
            language=r.language,
            pin_hash=hash_pin(r.pin),
            offline_verifier=offline_verifier(r.pin),
            restricted_until=now + timedelta(days=r.restricted_days) if r.restricted_days else None,
            restriction_reason="disciplinary hold" if r.restricted_days else None,
            stamps=0,
            debit_cents=0,
        )
        session.add(resident)
        session.flush()
        hold_new_resident(session, resident)
        publish(session, unit_audience(FACILITY_ID, r.unit), "resident", resident_data(resident))
        if r.debit_cents:
            deposit(session, resident, r.debit_cents, "opening balance")
        if r.stamps:
            book(session, resident, "adjustment", stamps=r.stamps, memo="opening balance")
    for cid, rid, fam, name, rel, state, cod in CONTACTS:
        contact = Contact(
            id=cid,
            facility_id=FACILITY_ID,
            resident_id=rid,
            family_id=fam,
            display_name=name,
            relationship=rel,
            state=state,
            accepts_cod=cod,
            state_reason="Under review after a returned letter" if state == "suspended" else None,
        )
        session.add(contact)
        session.flush()
        owner = session.get(Resident, rid)
        assert owner is not None
        publish(
            session,
            unit_audience(FACILITY_ID, owner.housing_unit_id),
            "contact",
            contact_data(contact),
        )
    _messages(session, report)


def _inbound(session: Session, contact_id: str, body: str, return_stamp: bool = False) -> Message:
    contact = session.get(Contact, contact_id)
    assert contact is not None
    message = Message(
        id=new_id("msg"),
        direction="inbound",
        resident_id=contact.resident_id,
        contact_id=contact.id,
        body=body,
        status="pending_review",
        created_at=utcnow(),
        has_return_stamp=return_stamp,
    )
    session.add(message)
    session.flush()
    return message


def _outbound(session: Session, body: str, payment: str) -> str:
    seeder = DeviceIdentity("seed", FACILITY_ID, UNITS)
    payload = SendMessagePayload(
        client_id=new_id("seed"),
        resident_id="res-alex",
        contact_id="con-alex-mom",
        body=body,
        payment=payment,  # type: ignore[arg-type]
        stamps=1 if payment == "stamps" else 0,
        written_at=utcnow(),
    )
    return str(send_message(session, seeder, payload)["message_id"])


def _messages(session: Session, report: SeedReport) -> None:
    ids = report.messages
    welcome = _inbound(session, "con-alex-mom", "Hi mijo, we miss you. Write back soon!", True)
    review.decide(session, welcome.id, True)
    ids["inbound_approved_with_return_stamp"] = welcome.id
    maria = _inbound(session, "con-maria-sis", "Hola hermana, te quiero mucho.")
    review.decide(session, maria.id, True)
    ids["inbound_approved"] = maria.id
    ids["inbound_pending_review"] = _inbound(session, "con-alex-mom", "Did you get my card?").id
    rejected = _inbound(session, "con-alex-mom", "(content the facility does not allow)")
    review.decide(session, rejected.id, False, "content not allowed")
    ids["inbound_rejected"] = rejected.id
    ids["outbound_pending_review"] = _outbound(session, "Thanks mom, all good here.", "stamps")
    delivered = _outbound(session, "Happy birthday!", "stamps")
    review.decide(session, delivered, True)
    ids["outbound_delivered"] = delivered
    refused = _outbound(session, "(a message the facility rejects)", "stamps")
    review.decide(session, refused, False, "mentions another resident")
    ids["outbound_rejected"] = refused
    cod = _outbound(session, "Call me when you can (COD).", "cod")
    review.decide(session, cod, True)
    ids["outbound_awaiting_payment"] = cod
    opened = _outbound(session, "This one was opened (COD).", "cod")
    review.decide(session, opened, True)
    message = session.get(Message, opened)
    assert message is not None
    message.status = "opened"
    publish(session, unit_audience(FACILITY_ID, "unit-a"), "message_status", status_data(message))
    ids["outbound_opened"] = opened
