"""Stamps (balances, purchase with confirmation, pending then confirmed or refused) and contacts."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kiosk import replies
from kiosk.store.models import OutboxItem
from tests.ui.conftest import Terminal


def _purchase_item(terminal: Terminal) -> Any:
    with terminal.world.store.read() as db:
        return db.scalars(select(OutboxItem).where(OutboxItem.kind == "purchase_stamps")).one()


def test_stamps_screen_shows_confirmed_and_pending_balances_and_debit_as_of(
    signed_in: Terminal,
) -> None:
    signed_in.world.ledger(5)
    signed_in.world.debit(1250)
    stamps = signed_in.show("stamps")
    assert stamps.spendable_value.text() == "5"
    assert stamps.debit_value.text() == "$12.50"
    assert stamps.debit_as_of.text().startswith("As of ")
    assert stamps.pending_value.text() == "Nothing pending"
    assert [b.text() for b in stamps.book_buttons] == [
        "One stamp: 1 stamp, $0.50",
        "Book of 10: 10 stamps, $4.50",
    ]


def _buy_book(terminal: Terminal) -> Any:
    terminal.world.debit(1000)
    stamps = terminal.show("stamps")
    terminal.click(stamps.book_buttons[1])
    assert stamps.confirm.isVisible()
    assert stamps.confirm.question.text() == "Buy Book of 10 for $4.50?"
    terminal.click(stamps.confirm.confirm_button)
    terminal.settle()
    return stamps


def test_purchase_is_confirmed_first_then_pending_until_the_server_confirms(
    signed_in: Terminal, said: list[tuple[str, bool]]
) -> None:
    stamps = _buy_book(signed_in)
    assert "10 stamps are pending" in stamps.outcome.text()
    assert stamps.pending_value.text() == "10 bought, waiting for confirmation"
    assert stamps.spendable_value.text() == "0"
    first = stamps.receipt_model.data(stamps.receipt_model.index(0))
    assert "Pending" in first and "+10 stamps" in first
    item = _purchase_item(signed_in)
    world = signed_in.world
    entry = world.entry(10, kind="purchase", cents=-450, reference=item.payload["client_id"])
    replies.apply_push_result(
        world.store, item.id, "accepted", None, None, {"ledger": [entry]}, world.clock()
    )
    stamps.refresh()
    signed_in.settle()
    assert stamps.outcome.text() == "Purchase confirmed: 10 stamps added."
    assert said == [
        ("Purchase sent: 10 stamps are pending until the facility confirms them.", False),
        ("Purchase confirmed: 10 stamps added.", False),
    ]
    assert stamps.spendable_value.text() == "10"
    assert "Pending" not in stamps.receipt_model.data(stamps.receipt_model.index(0))


def test_refused_purchase_shows_refused_and_the_translated_reason_in_receipts(
    signed_in: Terminal,
) -> None:
    stamps = _buy_book(signed_in)
    world = signed_in.world
    item = _purchase_item(signed_in)
    replies.apply_push_result(
        world.store, item.id, "rejected", "insufficient_funds", {}, None, world.clock()
    )
    stamps.refresh()
    signed_in.settle()
    reason = "Your debit account does not have enough money for this purchase."
    assert "was refused" in stamps.outcome.text()
    assert reason in stamps.outcome.text()
    assert stamps.pending_value.text() == "Nothing pending"
    [row] = [stamps.receipt_model.data(i) for i in _indexes(stamps)]
    assert row.endswith("Purchase · 10 stamps for $4.50 · Refused\n" + reason)
    assert "Pending" not in row
    # Still there on the next visit, and in the resident's language.
    signed_in.shell.set_language("es")
    stamps = signed_in.show("stamps")
    [row] = [stamps.receipt_model.data(i) for i in _indexes(stamps)]
    assert "Compra · 10 estampillas por $4,50 · Rechazada" in row
    assert row.endswith("Su cuenta de débito no tiene suficiente dinero para esta compra.")


def _indexes(stamps: Any) -> list[Any]:
    model = stamps.receipt_model
    return [model.index(i) for i in range(model.rowCount())]


def test_contacts_are_grouped_by_state_and_blocking_asks_first(signed_in: Terminal) -> None:
    world = signed_in.world
    world.contact("c2", state="pending", name="Luis")
    world.contact("c3", state="suspended", name="Rosa")
    world.contact("c4", state="blocked", name="Pedro")
    contacts = signed_in.show("contacts")
    assert set(contacts.row_widgets) == {"c1", "c2", "c3", "c4"}
    block = contacts.row_widgets["c1"].findChild(type(contacts.confirm.confirm_button), "block_c1")
    signed_in.click(block)
    assert contacts.confirm.question.text() == "Block Maria?"
    signed_in.click(contacts.confirm.confirm_button)
    signed_in.settle()
    assert str(next(c for c in signed_in.core.contacts() if c.contact_id == "c1").state) == (
        "blocked"
    )
    unblock = contacts.row_widgets["c4"].findChild(
        type(contacts.confirm.confirm_button), "unblock_c4"
    )
    signed_in.click(unblock)
    signed_in.settle()
    assert str(next(c for c in signed_in.core.contacts() if c.contact_id == "c4").state) == (
        "approved"
    )


def test_restriction_notice_shows_its_end_date_and_reason(signed_in: Terminal) -> None:
    until = signed_in.world.clock() + timedelta(days=2)
    signed_in.world.resident(restricted_until=until.isoformat(), restriction_reason="Sanction 12")
    contacts = signed_in.show("contacts")
    assert contacts.restriction.isVisible()
    assert "not send them until" in contacts.restriction.text()
    assert "Sanction 12" in contacts.restriction.text()


def test_reconcile_correction_is_shown_as_a_correction_in_receipts(signed_in: Terminal) -> None:
    from kiosk import ledger

    world = signed_in.world
    world.ledger(5)
    with world.store.write() as db:  # the server's balance is 7: reconcile appends +2
        ledger.correct_to_server(db, "r1", 7, world.clock())
    stamps = signed_in.show("stamps")
    assert stamps.spendable_value.text() == "7"
    rows = [stamps.receipt_model.data(i) for i in _indexes(stamps)]
    [corrected] = [r for r in rows if "Correction" in r]
    assert corrected.endswith("Correction from the server's records · +2 stamps")


def test_contact_rows_never_overlap_and_their_buttons_are_whole(
    qapp: object, tmp_path: Path
) -> None:
    """Once the demo's contacts at 1280x800 were squeezed into the window: rows overlapped
    and the bottom of every Write and Block button was cut (the screenshots showed it)."""
    from PySide6.QtWidgets import QPushButton

    from ui.demo import DEMO_NUMBER, DEMO_PIN
    from ui.screenshots import _Session

    session = _Session("es", tmp_path, tmp_path)  # the demo facility, as the screenshots
    shell = session.shell
    try:
        shell.signin.id_field.setText(DEMO_NUMBER)
        shell.signin.pin_field.setText(DEMO_PIN)
        shell.signin.submit()
        session.settle()
        contacts: Any = shell.show_screen("contacts")
        session.settle()
        rows = sorted(contacts.row_widgets.values(), key=lambda r: r.geometry().top())
        assert len(rows) == 6
        for upper, lower in itertools.pairwise(rows):
            assert upper.geometry().bottom() < lower.geometry().top()
        for row in rows:
            for button in row.findChildren(QPushButton):
                assert row.rect().contains(button.geometry()), row.objectName()
    finally:
        shell.end_session("sign_out")
        session.tasks.wait()
        shell.close()
