"""Offline PIN verifiers: slow, salted, and in the format the server documents."""

from __future__ import annotations

import pytest

from kiosk import pin


def test_verifier_accepts_its_pin_and_refuses_another() -> None:
    verifier = pin.make("2468")
    assert pin.verify(verifier, "2468")
    assert not pin.verify(verifier, "2469")
    assert not pin.verify(verifier, "")


def test_verifier_is_salted_argon2id_with_documented_costs() -> None:
    first, second = pin.make("2468"), pin.make("2468")
    assert first != second
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "2468" not in first


def test_unreadable_verifier_is_reported_not_treated_as_a_match() -> None:
    with pytest.raises(pin.InvalidVerifier):
        pin.verify("plaintext:2468", "2468")


def test_empty_pin_cannot_get_a_verifier() -> None:
    with pytest.raises(ValueError, match="PIN"):
        pin.make("")
