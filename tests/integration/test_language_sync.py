"""A resident's language follows him from terminal to terminal (protocol 1.8, issue #14).

Once the choice stayed on the terminal where it was made: a resident who switched to
Spanish on the kiosk got English again on his tablet. Two real terminals of one unit,
the real server between them.
"""

from __future__ import annotations

from pathlib import Path

from tests.integration.terminal import Terminal, make_terminal
from tests.server.live import LiveServer, ok


def _signed_in_language(terminal: Terminal, number: str, pin: str) -> str:
    terminal.worker.sync_once()
    signed = terminal.core.sign_in(number, pin)
    return signed.resident.language


def test_the_language_a_resident_chooses_on_one_terminal_greets_him_on_the_next(
    central_server: LiveServer, tmp_path: Path
) -> None:
    world = central_server.world(residents=1, devices=2)
    r = world.resident
    kiosk = make_terminal(tmp_path / "kiosk", central_server.url, world.devices[0], name="k")
    tablet = make_terminal(tmp_path / "tablet", central_server.url, world.devices[1], name="t")
    try:
        assert _signed_in_language(kiosk, r.facility_number, r.pin) == "en"
        kiosk.core.choose_language("es")
        kiosk.core.end_session("sign_out")
        kiosk.worker.sync_once()  # the choice goes to the server...
        with world.staff() as staff:  # ...onto his record
            [row] = [
                x for x in ok(staff.get("/v1/staff/residents")) if x["resident_id"] == r.resident_id
            ]
        assert row["language"] == "es"
        assert _signed_in_language(tablet, r.facility_number, r.pin) == "es"
        # A later choice on the tablet wins on the kiosk too, though the kiosk had kept
        # the earlier one as its own.
        tablet.core.choose_language("en")
        tablet.core.end_session("sign_out")
        tablet.worker.sync_once()
        assert _signed_in_language(kiosk, r.facility_number, r.pin) == "en"
        kiosk.core.end_session("sign_out")
    finally:
        kiosk.close()
        tablet.close()


def test_a_choice_made_offline_applies_at_once_and_reaches_the_record_when_back(
    central_server: LiveServer, tmp_path: Path
) -> None:
    world = central_server.world(residents=1, devices=1)
    r = world.resident
    kiosk = make_terminal(tmp_path / "kiosk", central_server.url, world.devices[0], name="k")
    try:
        assert _signed_in_language(kiosk, r.facility_number, r.pin) == "en"
        kiosk.core.choose_language("es")
        kiosk.core.end_session("sign_out")
        # Before it has gone, the terminal's older record does not undo the choice.
        assert kiosk.core.sign_in(r.facility_number, r.pin).resident.language == "es"
        kiosk.core.end_session("sign_out")
        kiosk.worker.sync_once()
        assert _signed_in_language(kiosk, r.facility_number, r.pin) == "es"
        kiosk.core.end_session("sign_out")
    finally:
        kiosk.close()
