"""Resident sign-in through the server, with the outcomes kiosk.sessions expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.auth import RemoteUnavailable
from kiosk.config import Settings
from kiosk.errors import Refusal
from sync.authenticator import OnlineAuthenticator
from sync.client import SyncClient
from sync.credentials import CredentialStore
from tests.server.live import LiveServer, World


def authenticator(tmp_path: Path, url: str, credential: str) -> OnlineAuthenticator:
    credentials = CredentialStore(service="kite-auth-test")
    credentials.store_credential(credential)
    settings = Settings(server_url=url, data_dir=tmp_path, connect_timeout_s=1, read_timeout_s=5)
    return OnlineAuthenticator(SyncClient(settings, credentials.credential))


def test_right_pin_returns_profile_with_offline_verifier(
    tmp_path: Path, central_server: LiveServer, world: World
) -> None:
    auth = authenticator(tmp_path, central_server.url, world.credential)
    profile = auth.authenticate(world.resident.facility_number, world.resident.pin)
    assert profile.resident_id == world.resident.resident_id
    assert profile.housing_unit == world.unit
    assert (profile.offline_verifier or "").startswith("$argon2id$")


def test_wrong_pin_and_unknown_number_are_the_same_refusal(
    tmp_path: Path, central_server: LiveServer, world: World
) -> None:
    auth = authenticator(tmp_path, central_server.url, world.credential)
    with pytest.raises(Refusal) as wrong:
        auth.authenticate(world.resident.facility_number, "0000")
    with pytest.raises(Refusal) as unknown:
        auth.authenticate("999999999", "1234")
    assert wrong.value.code == unknown.value.code == "invalid_credentials"


def test_unreachable_server_lets_sign_in_fall_back_offline(tmp_path: Path, world: World) -> None:
    auth = authenticator(tmp_path, "http://127.0.0.1:9", world.credential)
    with pytest.raises(RemoteUnavailable):
        auth.authenticate(world.resident.facility_number, world.resident.pin)


def test_after_one_online_sign_in_the_resident_signs_in_offline(
    tmp_path: Path, central_server: LiveServer, world: World
) -> None:
    from urllib.parse import urlparse

    from tests.fault.proxy import FaultProxy
    from tests.integration.terminal import make_terminal

    upstream = urlparse(central_server.url)
    proxy = FaultProxy(
        (upstream.hostname or "", upstream.port or 0), seed=1, rate=1.0, faults=("drop",)
    )
    with proxy.running():
        proxy.enabled = False
        terminal = make_terminal(tmp_path, proxy.url, world.devices[0])
        try:
            assert terminal.worker.sync_once().online
            online = terminal.core.sign_in(world.resident.facility_number, world.resident.pin)
            assert online.offline is False
            terminal.core.end_session("sign_out")
            proxy.enabled = True  # the network is gone
            offline = terminal.core.sign_in(world.resident.facility_number, world.resident.pin)
            assert offline.offline is True
            terminal.core.end_session("sign_out")
            with pytest.raises(Refusal) as wrong:
                terminal.core.sign_in(world.resident.facility_number, "0000")
            assert wrong.value.code == "invalid_credentials"
        finally:
            terminal.close()
