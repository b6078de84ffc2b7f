"""The server's PIN hashes: argon2id at argon2-cffi's production costs unless configured.

The test servers run at cheap costs (``KITE_CENTRAL_ARGON2_*`` in ``tests/server/live.py``);
these tests prove that a server without those settings uses the production ones, for
every hash it makes, including the one an unknown facility number is checked against.
"""

from __future__ import annotations

import pytest

from sync.server import pins
from sync.server.app import create_app
from sync.server.settings import CentralSettings

PRODUCTION = "$argon2id$v=19$m=65536,t=3,p=4$"


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's hasher as a server without cost settings has it (put back after)."""
    for name in ("KITE_CENTRAL_ARGON2_TIME_COST", "KITE_CENTRAL_ARGON2_MEMORY_KIB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(pins, "_hasher", pins._hasher)
    monkeypatch.setattr(pins, "_dummy", pins._dummy)
    settings = CentralSettings(database_url="sqlite://")
    assert (settings.argon2_time_cost, settings.argon2_memory_kib) == (None, None)
    create_app(settings)  # configures the hasher as `kite-central serve` does


@pytest.mark.usefixtures("unconfigured")
def test_a_server_without_cost_settings_hashes_pins_at_production_costs() -> None:
    assert pins.hash_pin("2468").startswith(PRODUCTION)
    assert pins.offline_verifier("2468").startswith(PRODUCTION)
    salt = pins.proof_salt()
    assert (salt.memory_kib, salt.time_cost, salt.parallelism) == (65536, 3, 4)


@pytest.mark.usefixtures("unconfigured")
def test_an_unknown_id_is_checked_against_a_production_cost_hash_made_at_start() -> None:
    # Made while the server starts, so even the first unknown ID costs a full hash.
    assert pins._dummy is not None and pins._dummy.startswith(PRODUCTION)
    assert not pins.check_pin(None, "2468")
    assert pins.check_pin(pins.hash_pin("2468"), "2468")
