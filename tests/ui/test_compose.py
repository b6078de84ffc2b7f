"""Compose: counter, payment line before Send, Send disabled with a reason, drafts, keyboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shiboken6 import isValid

from tests.ui.conftest import Terminal


def _compose(terminal: Terminal, text: str, in_reply_to: int | None = None) -> Any:
    contact = next(c for c in terminal.core.contacts() if c.contact_id == "c1")
    compose = terminal.show("compose", contact=contact, in_reply_to=in_reply_to)
    compose.editor.setPlainText(text)
    compose.request_quote()
    terminal.settle()
    return compose


def test_reply_paid_by_own_stamps_says_how_many_of_how_many(signed_in: Terminal) -> None:
    signed_in.world.ledger(4)
    compose = _compose(signed_in, "Hello Maria")
    assert compose.payment.text() == "Uses 1 of your 4 stamps"
    assert compose.counter.text() == "11 of 30,000 characters"
    assert compose.send_button.isEnabled()


def test_collect_reply_says_the_recipient_pays_and_how_much(signed_in: Terminal) -> None:
    signed_in.world.policy(cod_allowed=True, cod_price_cents=150)
    signed_in.world.contact(accepts_cod=True)
    compose = _compose(signed_in, "Call me")
    assert compose.payment.text() == "Sent collect: Maria pays $1.50 to open it"
    assert compose.send_button.isEnabled()


def test_collect_reply_from_a_server_that_names_no_price_says_only_who_pays(
    signed_in: Terminal,
) -> None:
    signed_in.world.policy(cod_allowed=True)  # a 1.7 server's policy has no COD price
    signed_in.world.contact(accepts_cod=True)
    compose = _compose(signed_in, "Call me")
    assert compose.payment.text() == "Sent collect: Maria pays to open it"


def test_send_is_disabled_with_the_reason_when_nothing_can_pay(signed_in: Terminal) -> None:
    compose = _compose(signed_in, "No stamps")
    assert not compose.send_button.isEnabled()
    assert compose.reason.isVisible()
    assert "not have enough stamps" in compose.reason.text()
    assert compose.buy_button.isVisible()
    assert "not have enough stamps" in compose.send_button.accessibleDescription()


def test_too_long_reply_is_refused_with_the_limit(signed_in: Terminal) -> None:
    signed_in.world.ledger(4)
    signed_in.world.policy(max_message_chars=20)
    compose = _compose(signed_in, "x" * 25)
    assert compose.counter.text() == "25 of 20 characters"
    assert not compose.send_button.isEnabled()
    assert "The limit is 20 characters" in compose.reason.text()


def test_restricted_resident_reads_why_and_until_when(signed_in: Terminal) -> None:
    until = signed_in.world.clock() + timedelta(days=3)
    signed_in.world.resident(restricted_until=until.isoformat(), restriction_reason="Sanction 12")
    signed_in.world.ledger(4)
    compose = _compose(signed_in, "Hi")
    assert not compose.send_button.isEnabled()
    assert "not send them until" in compose.reason.text()
    assert "Sanction 12" in compose.reason.text()


def test_sent_reply_appears_queued_in_the_conversation(signed_in: Terminal) -> None:
    signed_in.world.ledger(2)
    compose = _compose(signed_in, "On its way")
    signed_in.click(compose.send_button)
    conversation = signed_in.shell.page("conversation")
    assert signed_in.shell.current_key() == "conversation"
    reply = conversation.model.newest()
    assert (reply.body, str(reply.status)) == ("On its way", "queued")
    assert signed_in.core.balances().spendable == 1


def test_unfinished_reply_survives_sign_out_as_a_draft(signed_in: Terminal) -> None:
    compose = _compose(signed_in, "Half a thought")
    signed_in.click(signed_in.shell.sign_out_button)
    assert signed_in.shell.current_key() == "signin"
    assert not isValid(compose)  # the session's screens are gone, not just emptied
    signed_in.sign_in()
    contact = signed_in.core.contacts()[0]
    compose = signed_in.show("compose", contact=contact)
    assert compose.editor.toPlainText() == "Half a thought"
    assert [d.body for d in signed_in.core.drafts()] == ["Half a thought"]


def test_on_screen_keyboard_types_spanish_letters(signed_in: Terminal) -> None:
    compose = _compose(signed_in, "")
    keyboard = compose.keyboard
    assert keyboard.isVisible()  # kiosk mode: no physical keyboard assumed
    keyboard.set_layout("es")
    keys = {k.property("char"): k for k in keyboard.char_keys}
    for char in "año":
        signed_in.click(keys[char])
    signed_in.click(keyboard.shift_key)
    keys = {k.property("char"): k for k in keyboard.char_keys}
    signed_in.click(keys["Á"])
    signed_in.click(keyboard.enter_key)
    signed_in.click(keyboard.space_key)
    signed_in.click(keyboard.back_key)
    assert compose.editor.toPlainText() == "añoÁ\n"
    assert keyboard.shift_key.isChecked() is False
