"""Kite as a screen reader meets it: read over the real accessibility bus (AT-SPI).

One module, one bus: :class:`tests.ui.atspi.AtSpiSession` starts Xvfb, a D-Bus session
with its accessibility bus, an AT-SPI client under Debian's Python (pyatspi, a separate
process, as Orca is) and Kite's window with ``QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1``, once
for all the tests here. The tests act as a resident (keyboard and keypad) and judge what
the client heard and reads. ``docs/accessibility.md`` says what each one proves.

Without Xvfb, dbus, at-spi2-core or python3-pyatspi the module fails where ``CI`` is set
(``.ci/test`` sets it; ``.ci/setup`` installs them) and is skipped with the reason elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.ui.atspi import AtSpiSession, BusUnavailable

PIN = "2468"  # the resident's (tests/ui/atspi_app.py); no digit of it is in the ID A1001
WRONG_PIN = "9753"


@pytest.fixture(scope="module")
def bus() -> Iterator[AtSpiSession]:
    try:
        session = AtSpiSession()
    except BusUnavailable as missing:
        if os.environ.get("CI"):
            pytest.fail(str(missing))
        pytest.skip(str(missing))
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def at_signin(bus: AtSpiSession) -> AtSpiSession:
    """The sign-in screen, fields empty, whatever the test before left."""
    if bus.do("noop")["screen"] != "signin":
        bus.do("click", widget="sign_out")
    bus.do("reset_signin")
    bus.mark()
    return bus


def strings_of(event: dict[str, Any]) -> list[str]:
    return [str(event.get(key) or "") for key in ("data", "source")]


def secrets_in(events: list[dict[str, Any]], secrets: tuple[str, ...]) -> list[dict[str, Any]]:
    """The events that carry a secret: any of its digits from a password field, or the
    whole of it (or three digits of it in a row) from anything."""
    digits = set("".join(secrets))
    fragments = {s[i : i + 3] for s in secrets for i in range(len(s) - 2)}
    leaks = []
    for event in events:
        texts = strings_of(event)
        from_secret_field = event.get("role") == "password text"
        if (from_secret_field and any(c in digits for c in str(event.get("data") or ""))) or any(
            fragment in text for fragment in fragments for text in texts
        ):
            leaks.append(event)
    return leaks


def nodes(tree: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in tree:
        yield node
        yield from nodes(node.get("children", []))


def test_a_pin_typed_on_the_keyboard_reaches_no_accessibility_client(
    at_signin: AtSpiSession,
) -> None:
    bus = at_signin
    bus.do("click", widget="facility_id")
    bus.do("keys", text="A1001")
    assert bus.do("key", key="Tab")["focus"]["object"] == "pin"
    assert bus.do("keys", text=WRONG_PIN[:3])["focus"]["object"] == "pin"
    typing = bus.mark()
    assert any(e["type"].startswith("object:text-changed:insert") for e in typing), (
        "the client hears nothing of the PIN field: the test would prove nothing"
    )
    field = [n for n in nodes(bus.tree()) if n["role"] == "password text"]
    assert len(field) == 1 and field[0]["name"] == "PIN"
    assert not any(c.isdigit() for c in field[0].get("text", "")), field[0]
    bus.do("key", key="Backspace")
    bus.do("keys", text=WRONG_PIN[2:])
    bus.do("key", key="Return")  # submitted: the field empties, the sign-in is refused
    heard = typing + bus.mark()
    assert (leaks := secrets_in(heard, (WRONG_PIN,))) == [], leaks


def test_a_pin_tapped_on_the_keypad_reaches_no_accessibility_client(
    at_signin: AtSpiSession,
) -> None:
    bus = at_signin
    bus.do("click", widget="facility_id")
    bus.do("keys", text="A1001")
    assert bus.do("click", widget="pin")["focus"]["object"] == "pin"
    bus.do("keypad", text=WRONG_PIN)
    bus.do("keypad", text="C")  # Clear
    bus.do("keypad", text=PIN + "1")
    bus.do("keypad", text="B")  # Delete: the last digit
    heard = bus.mark()
    assert any(e["role"] == "password text" and "text-changed" in e["type"] for e in heard)
    assert bus.do("click", widget="sign_in")["screen"] == "inbox"
    heard += bus.mark()
    assert (leaks := secrets_in(heard, (PIN, WRONG_PIN))) == [], leaks


POLITE, ASSERTIVE = 1, 2  # AT-SPI's live-region politeness (an announcement's detail1)


def announcements(events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(e["data"], e["detail1"]) for e in events if e["type"] == "object:announcement"]


@pytest.mark.parametrize(
    ("language", "empty", "wrong"),
    [
        (
            "en",
            "Enter your facility ID number and your PIN.",
            "That facility ID and PIN do not match. Check both and try again.",
        ),
        (
            "es",
            "Escriba su número de identificación y su PIN.",
            "El número de identificación y el PIN no coinciden. Revise ambos e inténtelo de nuevo.",
        ),
    ],
)
def test_a_refused_sign_in_is_announced_once_assertively_in_the_chosen_language(
    at_signin: AtSpiSession, language: str, empty: str, wrong: str
) -> None:
    bus = at_signin
    bus.do("click", widget=f"language_{language}")
    bus.mark()
    assert bus.do("click", widget="sign_in")["focus"]["object"] == "facility_id"
    assert announcements(bus.mark()) == [(empty, ASSERTIVE)]
    bus.do("keys", text="A1001")
    bus.do("key", key="Tab")
    bus.do("keys", text=WRONG_PIN)
    assert bus.do("key", key="Return")["focus"]["object"] == "pin"
    assert announcements(bus.mark()) == [(wrong, ASSERTIVE)]
    bus.do("click", widget="language_en")


def test_no_secret_reached_the_bus_in_the_whole_session(bus: AtSpiSession) -> None:
    """Last: everything the client heard while this module ran (an event held back past
    its test's marker is judged here)."""
    bus.mark()
    assert (leaks := secrets_in(bus.history, (PIN, WRONG_PIN))) == [], leaks
