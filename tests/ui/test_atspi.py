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
SPANISH = ("B2002", "1357")  # a Spanish speaker's ID and PIN (his record says "es")
SECRETS = (PIN, WRONG_PIN, SPANISH[1])


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


def test_at_start_the_focus_is_on_the_facility_id_field(bus: AtSpiSession) -> None:
    """First in the module: the window as it first comes up, before any test moved the focus."""
    assert bus.do("noop")["focus"]["object"] == "facility_id"
    bus.mark()  # every event so far heard (the client's states follow them)
    field = next(n for n in nodes(bus.tree()) if n["role"] == "text")
    assert "focused" in field["states"] and field["name"] == "Facility ID number"


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
    field = next(n for n in nodes(bus.tree()) if n["role"] == "password text")
    assert field["description"].startswith(wrong)  # the error is read with the field
    bus.do("click", widget="language_en")


# What a resident can act on: each must have a name a screen reader can say.
ACTIONABLE = {
    "push button",
    "toggle button",
    "check box",
    "radio button",
    "page tab",
    "text",
    "password text",
    "entry",
    "list",
    "list item",
    "combo box",
    "link",
    "slider",
    "spin button",
}
# The focus rule (docs/accessibility.md): the first meaningful control on arrival.
ARRIVAL = {
    "inbox": "conversation_list",
    "conversation": "message_list",
    "compose": "reply_text",
    "stamps": "buy_single",
    "contacts": "contact_list",
    "new_message": "new_message_list",
    "drafts": "draft_list",
    "help": None,  # the help text's scroll area (named; it scrolls with the keys)
}
# Reading order, as the screen shows it, for the screens whose Tab order was wrong.
TAB_ORDER = {
    "conversation": ["conversation_back", "delete_message", "reply", "message_list"],
    "stamps": ["buy_single", "buy_book10", "receipts"],
}
SIGN_OUT = {"en": "Sign out", "es": "Salir"}


def unnamed_actionable(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: n[k] for k in ("role", "states")}
        for n in nodes(tree)
        if (n["role"] in ACTIONABLE or "focusable" in n["states"])
        and "showing" in n["states"]
        and not n["name"].strip()
        and n["role"] not in ("scroll bar", "application", "frame")
    ]


def tab_walk(bus: AtSpiSession, start: str, stops: int) -> list[str]:
    """The widgets Tab reaches from ``start``, in order (until ``stops`` or back at start)."""
    reached = []
    for _ in range(stops):
        focus = bus.do("key", key="Tab")["focus"]
        if focus["object"] == start:
            break
        assert focus["name"].strip(), f"Tab reached an unnamed widget: {focus}"
        reached.append(focus["object"])
    return reached


def test_a_screen_reader_can_walk_every_screen_in_both_languages(bus: AtSpiSession) -> None:
    """Sign in with the keyboard, visit each screen, buy a stamp, sign out: in English, then
    in Spanish. On each: the arrival focus follows the rule, nothing actionable is unnamed,
    the title is a heading, the current page tab is selected, the Tab order is the reading
    order; the purchase is announced and the focus comes back to the Buy button; the Spanish
    screens say nothing the English ones said (but for names and numbers)."""
    names: dict[str, dict[str, set[str]]] = {}
    for language in ("en", "es"):
        if bus.do("noop")["screen"] != "signin":
            bus.do("click", widget="sign_out")
        bus.do("reset_signin")
        bus.do("click", widget=f"language_{language}")
        assert bus.do("click", widget="facility_id")["focus"]["object"] == "facility_id"
        number, pin = ("A1001", PIN) if language == "en" else SPANISH
        bus.do("keys", text=number)
        bus.do("key", key="Tab")
        bus.do("keys", text=pin)
        answer = bus.do("key", key="Return")
        assert answer["screen"] == "inbox"
        seen = names.setdefault(language, {})
        for screen, first in ARRIVAL.items():
            answer = bus.do("show", screen=screen)
            focus = answer["focus"]
            assert focus["name"] != SIGN_OUT[language], (language, screen)
            if first is not None:
                assert focus["object"] == first, (language, screen, focus)
            heard = bus.mark(rounds=1)
            focused = [e for e in heard if e["type"] == "focus:"]
            if focused:  # what the screen reader says on arrival
                assert focused[-1]["source"].strip(), (language, screen, focused[-1])
            tree = bus.tree()
            assert unnamed_actionable(tree) == [], (language, screen)
            assert any(n["role"] == "heading" and n["name"] for n in nodes(tree)), screen
            tabs = [n for n in nodes(tree) if n["role"] == "page tab"]
            selected = [n["name"] for n in tabs if "selected" in n["states"]]
            assert len(tabs) == 3 and len(selected) == (screen in ("inbox", "stamps", "contacts"))
            if screen in TAB_ORDER and language == "en":  # the order is the same in Spanish
                start = focus["object"]
                order = TAB_ORDER[screen]
                walk = tab_walk(bus, start, 14)
                cycle = [w for w in [start, *walk] if w in order]
                first = cycle.index(order[0]) if order[0] in cycle else 0
                assert cycle[first:] + cycle[:first] == order, (screen, walk)
            seen[screen] = {n["name"] for n in nodes(tree) if n["name"]}
            if screen == "stamps":
                bus.do("show", screen="stamps")
                bus.do("click", widget="buy_single")
                assert bus.do("click", widget="confirm_cancel")["focus"]["object"] == "buy_single"
                bus.do("click", widget="buy_single")
                bus.mark()  # the client has heard the dialog come back before it reads the tree
                dialogs = [n for n in nodes(bus.tree()) if n["role"] == "dialog"]
                assert len(dialogs) == 1 and dialogs[0]["name"].endswith("?"), dialogs
                assert bus.do("click", widget="confirm_ok")["focus"]["object"] == "buy_single"
                said = announcements(bus.mark())
                assert len(said) == 1 and said[0][1] == POLITE, said
                assert ("1 stamp" in said[0][0]) == (language == "en"), said
    # Untranslated text: what the Spanish screens say that the English ones said too.
    shared = {
        screen: sorted(
            name
            for name in names["es"][screen] & names["en"][screen]
            if len(name) > 2  # a keyboard key's letter
            and not any(word in name for word in ("Maria", "Carmen", "Kite", "Una carta"))
            and not name.replace("$", "").replace(".", "").isdigit()
            and name not in ("English", "Español", "PIN", "One stamp", "Book of 10")
        )
        for screen in ARRIVAL
    }
    assert shared == {screen: [] for screen in ARRIVAL}


def test_no_secret_reached_the_bus_in_the_whole_session(bus: AtSpiSession) -> None:
    """Last: everything the client heard while this module ran (an event held back past
    its test's marker is judged here)."""
    bus.mark()
    assert (leaks := secrets_in(bus.history, SECRETS)) == [], leaks
