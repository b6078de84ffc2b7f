"""The terminal end to end against the reference server over HTTP on 127.0.0.1.

First start: the enrollment screen shows the QR code and waits; staff approve;
the sign-in screen takes over; a resident signs in (verified by the server),
reads a message a family member sent and staff approved, and replies; the
sync worker pushes the reply and the conversation shows its status. Nothing
here asks a screen to reload: what the sync worker brings reaches the screen
in front through its change notices.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from kiosk.config import Settings
from sync.terminal import Terminal
from tests.fault.clocks import open_hours_clock
from tests.server.live import LiveServer, key, ok
from tests.ui.live import live_shell
from ui import theme
from ui.backend import open_backend
from ui.context import Context
from ui.shell import Shell
from ui.startup import attach_backend
from ui.sync_status import SyncStatusBridge
from ui.tasks import Tasks


@pytest.fixture
def first_start(
    qtbot: QtBot,
    central_server: LiveServer,
    tmp_path: Path,
) -> Iterator[tuple[Shell, Terminal]]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply(app, theme.Appearance())
    (tmp_path / "terminal").mkdir()  # the image's data folder: the terminal never creates it
    settings = Settings(
        server_url=central_server.url,
        data_dir=tmp_path / "terminal",
        connect_timeout_s=1.0,
        read_timeout_s=3.0,
        long_poll_s=1,
        device_name="ui-test-kiosk",
    )
    clock = open_hours_clock()
    backend = open_backend(settings, clock)
    tasks = Tasks()
    context = Context(tasks=tasks, now=clock)
    context.languages.set("en")
    shell = Shell(context)
    qtbot.addWidget(shell)
    shell.resize(1280, 800)
    shell.show()
    shell.page("enrollment").poll_ms = 200  # type: ignore[attr-defined]
    watch = attach_backend(shell, backend, SyncStatusBridge(shell), app)
    try:
        yield shell, backend
    finally:
        watch.stop()
        app.removeEventFilter(watch)
        tasks.wait()
        backend.close()


def test_enrollment_then_sign_in_read_and_reply_through_the_real_server(
    qtbot: QtBot,
    central_server: LiveServer,
    first_start: tuple[Shell, Terminal],
) -> None:
    shell, backend = first_start
    world = central_server.world(residents=1, stamps=5, devices=0)
    resident = world.resident
    enrollment: Any = shell.page("enrollment")
    assert shell.current_key() == "enrollment"
    qtbot.waitUntil(lambda: enrollment.ticket is not None, timeout=15_000)
    ticket = enrollment.ticket
    assert enrollment.device_value.text() == ticket.device_id
    assert enrollment.code_value.text() == ticket.one_time_code
    assert not enrollment.qr.pixmap().isNull()
    assert "Waiting for IT" in enrollment.state_label.text()

    with central_server.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/devices/{ticket.device_id}/approve",
                json={"housing_units": [world.unit], "one_time_code": ticket.one_time_code},
            )
        )
    qtbot.waitUntil(lambda: shell.current_key() == "signin", timeout=15_000)
    assert backend.enrolled

    with world.family() as family:
        sent = ok(
            family.post(
                "/v1/family/messages",
                json={
                    "idempotency_key": key(),
                    "contact_id": resident.contact_id,
                    "body": "Hello from home. Write back when you can.",
                },
            )
        )
    with central_server.staff() as staff:
        ok(staff.post(f"/v1/staff/review/{sent['message_id']}", json={"decision": "approve"}))

    signin = shell.signin
    signin.id_field.setText(resident.facility_number)
    signin.pin_field.setText(resident.pin)
    signin.submit()
    qtbot.waitUntil(lambda: shell.current_key() == "inbox", timeout=15_000)
    inbox: Any = shell.page("inbox")
    qtbot.waitUntil(lambda: inbox.model.rowCount() == 1, timeout=20_000)
    assert inbox.model.rows()[0].last_message.body == "Hello from home. Write back when you can."
    qtbot.waitUntil(lambda: "Up to date" in inbox.sync_line.text(), timeout=20_000)

    contact = inbox.model.rows()[0].contact
    conversation: Any = shell.show_screen("conversation", contact=contact)
    qtbot.waitUntil(lambda: conversation.model.rowCount() == 1, timeout=10_000)
    conversation.reply()
    compose: Any = shell.page("compose")
    compose.editor.setPlainText("Thank you! All is well here.")
    qtbot.waitUntil(lambda: compose.send_button.isEnabled(), timeout=10_000)
    assert compose.payment.text() == "Uses 1 of your 5 stamps"
    compose.send()
    qtbot.waitUntil(lambda: shell.current_key() == "conversation", timeout=10_000)

    def reply_status() -> str:
        reply = conversation.model.newest()
        return str(reply.status) if reply is not None and reply.direction == "outbound" else ""

    qtbot.waitUntil(lambda: reply_status() == "pending_review", timeout=20_000)
    steps = [str(s.status) for s in conversation.model.newest().timeline]
    assert steps[:2] == ["queued", "sent"]

    # Back at the inbox, the family writes again: a sync round brings it to the screen.
    shell.show_screen("inbox")
    with world.family() as family:
        again = ok(
            family.post(
                "/v1/family/messages",
                json={
                    "idempotency_key": key(),
                    "contact_id": resident.contact_id,
                    "body": "So glad to hear it.",
                },
            )
        )
    with central_server.staff() as staff:
        ok(staff.post(f"/v1/staff/review/{again['message_id']}", json={"decision": "approve"}))
    qtbot.waitUntil(
        lambda: inbox.model.rows()[0].last_message.body == "So glad to hear it.", timeout=20_000
    )
    assert inbox.banner_text.text() == "New message from " + contact.display_name


def test_a_revoked_kiosk_is_enrolled_again_on_its_own_screen_and_syncs_without_a_restart(
    qtbot: QtBot, central_server: LiveServer, tmp_path: Path
) -> None:
    """Once only ``kite-admin enroll --force`` in a shell could enroll it again, and the
    running kiosk's worker stayed stopped until someone restarted the kiosk."""
    world = central_server.world(residents=1)
    device_id = world.devices[0][0]
    with live_shell(qtbot, world, tmp_path / "kiosk") as live:
        shell, backend = live.shell, live.backend
        enrollment: Any = shell.page("enrollment")
        enrollment.poll_ms = 200
        live.wait(lambda: backend.worker.status().online)
        with central_server.staff() as staff:
            ok(staff.post(f"/v1/staff/devices/{device_id}/revoke"))
        # Whoever stands at the kiosk sees its enrollment screen: the same device, a code.
        live.wait(lambda: shell.current_key() == "enrollment" and enrollment.ticket is not None)
        assert backend.worker.status().state == "revoked"
        assert enrollment.device_value.text() == device_id
        code = enrollment.code_value.text()
        with central_server.staff() as staff:  # staff approve the code the screen shows
            ok(
                staff.post(
                    f"/v1/staff/devices/{device_id}/approve",
                    json={"housing_units": [world.unit], "one_time_code": code},
                )
            )
        live.wait(lambda: shell.current_key() == "signin")
        live.wait(lambda: backend.worker.status().online)
        assert not backend.worker.status().call_it
        live.wait(lambda: shell.signin._problem == "")  # no "call IT" left on the screen
        # The same process syncs again: a reply written now reaches staff.
        live.sign_in()
        resident = world.resident
        backend.core.send_reply(resident.contact_id, None, "after enrolling again")
        with central_server.staff() as staff:
            mine = {"resident_id": resident.resident_id}
            live.wait(
                lambda: (
                    [m["body"] for m in ok(staff.get("/v1/staff/review", params=mine))]
                    == ["after enrolling again"]
                )
            )


def test_a_suspended_contact_shows_the_facilitys_reason_as_plain_text(
    qtbot: QtBot, central_server: LiveServer, tmp_path: Path
) -> None:
    """Once a suspended contact said only "Suspended by the facility", never why."""
    world = central_server.world(residents=1)
    cid = world.resident.contact_id
    reason = "Under review <b>until</b> 1 May"
    with central_server.staff() as staff:
        ok(
            staff.post(
                f"/v1/staff/contacts/{cid}/state", json={"state": "suspended", "reason": reason}
            )
        )
    with live_shell(qtbot, world, tmp_path / "kiosk") as live:
        live.sign_in()
        contacts: Any = live.shell.show_screen("contacts")
        live.wait(lambda: cid in contacts.row_widgets)
        row = contacts.row_widgets[cid]
        assert f"Reason: {reason}" in row.accessibleName()
        [text] = [w for w in row.findChildren(QLabel) if "Reason" in w.text()]
        assert text.text().endswith(f"Reason: {reason}")  # the tags shown as typed
        assert text.textFormat() == Qt.TextFormat.PlainText
