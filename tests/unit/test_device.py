"""This terminal's identity in the store: minted once, enrolled, revoked."""

from __future__ import annotations

from datetime import timedelta

from kiosk import device, diagnostics, wipe
from kiosk.store.database import Store

from .conftest import START


def test_device_id_is_minted_once_and_kept(store: Store) -> None:
    with store.read() as db:
        assert device.current(db) is None
    with store.write() as db:
        first = device.ensure_device_id(db)
    with store.write() as db:
        assert device.ensure_device_id(db) == first
    assert first.startswith("dev-")


def test_revocation_is_recorded_and_a_new_enrollment_lifts_it(store: Store) -> None:
    with store.write() as db:
        device_id = device.ensure_device_id(db)
        device.mark_enrolled(db, device_id, START)
    with store.write() as db:
        wipe.wipe_resident_data(db, "revoke", START + timedelta(hours=1))
    with store.read() as db:
        assert device.is_revoked(db)
        assert diagnostics.store_report(db).revoked
    with store.write() as db:
        device.mark_enrolled(db, device_id, START + timedelta(hours=2))
    with store.read() as db:
        this = device.current(db)
        report = diagnostics.store_report(db)
        assert not device.is_revoked(db)
    assert this is not None and not this.revoked
    assert (report.device_id, report.revoked, report.cursor) == (device_id, False, None)
