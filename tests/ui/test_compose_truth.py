"""Compose always tells the truth: the payment line follows change notices, counts read right.

Issue 14, "stale refusal": with no stamps, Buy stamps from compose, the purchase was
confirmed in 0.5 s, and back at compose it still said "not enough stamps" with Send
disabled until the resident typed; the confirmation said "1 stamps added". And a
VideoGram was labelled "1 attachment".
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from kiosk.changes import Changes
from tests.server.live import LiveServer, key, ok
from tests.ui.conftest import Terminal
from tests.ui.live import live_shell
from ui.statuses import media_summary


def test_buying_stamps_from_compose_clears_the_refusal_through_the_real_server(
    qtbot: QtBot, central_server: LiveServer, tmp_path: Path
) -> None:
    world = central_server.world(residents=1, debit_cents=1000, stamps=0)
    resident = world.resident
    with world.staff() as staff:  # no collect replies to this contact: stamps or nothing
        ok(
            staff.post(
                f"/v1/staff/contacts/{resident.contact_id}/state",
                json={"state": "approved", "accepts_cod": False},
            )
        )
    with live_shell(qtbot, world, tmp_path / "kiosk") as live:
        live.sign_in()
        live.click(live.page("inbox").new_button)
        picker = live.page("new_message")
        live.wait(lambda: resident.contact_id in picker.contact_buttons)
        live.click(picker.contact_buttons[resident.contact_id])
        compose = live.page("compose")
        compose.editor.setPlainText("I will buy a stamp for this.")
        live.wait(lambda: compose.reason.isVisible() and compose.buy_button.isVisible())
        assert "do not have enough stamps" in compose.reason.text()
        assert not compose.send_button.isEnabled()

        live.click(compose.buy_button)
        stamps = live.page("stamps")
        assert live.shell.current_key() == "stamps"
        assert stamps.back_to_message.isVisible()
        live.wait(lambda: bool(stamps.book_buttons))
        live.click(stamps.book_buttons[0])  # 1 stamp, $0.50
        live.click(stamps.confirm.confirm_button)
        live.wait(lambda: stamps.outcome.text() == "Purchase confirmed: 1 stamp added.")
        assert stamps.spendable_value.text() == "1"

        live.click(stamps.back_to_message)
        assert live.shell.current_key() == "compose"
        # Without a keystroke: the payment line is quoted again and Send is on.
        live.wait(lambda: compose.send_button.isEnabled())
        assert compose.payment.text() == "Uses 1 of your 1 stamp"
        assert not compose.reason.isVisible() and not compose.buy_button.isVisible()
        assert compose.editor.toPlainText() == "I will buy a stamp for this."


def test_stamps_arriving_while_compose_is_open_re_quote_it_without_a_keystroke(
    qtbot: QtBot, central_server: LiveServer, tmp_path: Path
) -> None:
    world = central_server.world(residents=1, stamps=0)
    resident = world.resident
    with world.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/contacts/{resident.contact_id}/state",
                json={"state": "approved", "accepts_cod": False},
            )
        )
    with live_shell(qtbot, world, tmp_path / "kiosk") as live:
        live.sign_in()
        live.click(live.page("inbox").new_button)
        picker = live.page("new_message")
        live.wait(lambda: resident.contact_id in picker.contact_buttons)
        live.click(picker.contact_buttons[resident.contact_id])
        compose = live.page("compose")
        compose.editor.setPlainText("Waiting for a gift of stamps.")
        live.wait(lambda: compose.buy_button.isVisible())
        # The family sends two stamps; the sync round's change notice re-quotes compose.
        with world.family() as family:
            ok(
                family.post(
                    "/v1/family/transfers",
                    json={
                        "idempotency_key": key(),
                        "contact_id": resident.contact_id,
                        "stamps": 2,
                    },
                )
            )
        live.wait(lambda: compose.send_button.isEnabled())
        assert compose.payment.text() == "Uses 1 of your 2 stamps"


def test_a_contact_suspended_while_compose_is_open_stops_send_at_once(
    signed_in: Terminal,
) -> None:
    world = signed_in.world
    world.ledger(3)
    contact = signed_in.core.contacts()[0]
    compose = signed_in.show("compose", contact=contact)
    compose.editor.setPlainText("Hello")
    compose.request_quote()
    signed_in.settle()
    assert compose.send_button.isEnabled()
    world.contact(state="suspended")  # what a sync round applies, then announces
    signed_in.shell.data_changed(Changes.CONTACTS)
    signed_in.settle()
    assert not compose.send_button.isEnabled()
    assert "suspended this contact" in compose.reason.text()


def test_counts_use_plural_forms_and_a_videogram_is_a_video(signed_in: Terminal) -> None:
    from kiosk.views import MediaItem

    assert media_summary([MediaItem("video", "v1", "")]) == "1 video"
    assert media_summary([MediaItem("video", "v1", ""), MediaItem("video", "v2", "")]) == (
        "2 videos"
    )
    assert media_summary([MediaItem("photo", "p1", ""), MediaItem("ecard", "e1", "")]) == (
        "1 photo, 1 eCard"
    )
    signed_in.shell.set_language("es")
    assert media_summary([MediaItem("video", "v1", "")]) == "1 video"
    assert media_summary([MediaItem("photo", "p1", ""), MediaItem("photo", "p2", "")]) == (
        "2 fotos"
    )
