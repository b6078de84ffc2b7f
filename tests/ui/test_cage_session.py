"""The kiosk under the compositor it ships with: cage, headless, judged by its pixels.

One session per test run (``tests/ui/cage.py``, 6 to 14 s measured): the terminal's window,
built as ``kite`` builds it in kiosk mode, as an unprivileged user's Wayland client
under ``cage``; ``grim`` takes the output after each step. Each test reads those
screenshots. On a machine that cannot run cage (not root, cage or grim missing)
the tests fail in CI (``CI`` set) with what is missing, and elsewhere are skipped
with that reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from tests.ui.cage import CageUnavailable, run_session
from tests.ui.cage_session import CARET_PIXELS, differing_pixels

OUTPUT = (1280, 720)
SIGN_IN_STEPS = ("signin", "signin-after-show-normal", "signin-after-show-minimized")


@pytest.fixture(scope="module")
def session() -> Iterator[dict[str, Any]]:
    try:
        results = run_session()
    except CageUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the kiosk cannot be tested under cage here: {exc}")
        pytest.skip(f"the kiosk cannot be tested under cage here: {exc}")
    try:
        assert results["platform"] == "wayland", results["log"]
        yield results
    finally:
        shutil.rmtree(Path(results["dir"]).parent, ignore_errors=True)


def step(session: dict[str, Any], name: str) -> dict[str, Any]:
    found = {s["name"]: s for s in session["steps"]}
    assert name in found, f"the session stopped before {name}:\n{session['log']}"
    return found[name]


def shot(session: dict[str, Any], name: str, drawn: bool = False) -> QImage:
    image = QImage(str(Path(session["dir"]) / f"{name}{'.app' if drawn else ''}.png"))
    assert not image.isNull(), name
    return image


@pytest.mark.parametrize("name", SIGN_IN_STEPS)
def test_sign_in_fills_the_whole_output_with_nothing_but_the_app(
    session: dict[str, Any], name: str
) -> None:
    """Also after the app asked for a normal or a minimised window."""
    record = step(session, name)
    assert not record["timed_out"], f"{name}: the output never showed the app's own picture"
    assert record["output"] == list(OUTPUT)
    assert record["window"] == [0, 0, *OUTPUT]
    assert record["full_screen"] and not record["minimized"]
    assert record["top_levels"] == ["shell"]  # no second window, dialog or menu
    shown = shot(session, name)
    assert (shown.width(), shown.height()) == OUTPUT
    # What the compositor shows is, pixel for pixel, what the window drew: no title bar,
    # no border, no other surface, nothing of the compositor's black background.
    assert differing_pixels(shown, shot(session, name, drawn=True)) <= CARET_PIXELS
    x, y, width, height = record["sign_in_button"]
    assert x >= 0 and y >= 0 and x + width <= OUTPUT[0] and y + height <= OUTPUT[1]
    # The Sign in button's own blue is on screen, from its top to its bottom edge.
    blue = shown.pixelColor(x + width // 4, y + 3)
    assert blue == shown.pixelColor(x + width // 4, y + height - 4)
    assert blue.blue() > 120 and blue.red() < 60


def test_a_minimise_or_normal_request_is_taken_back_by_the_app(session: dict[str, Any]) -> None:
    assert step(session, "signin-after-show-normal")["restored_by_guard"] >= 1


def test_the_next_residents_screens_show_nothing_of_the_one_before(
    session: dict[str, Any],
) -> None:
    """B, A, B: the sign-in after A and B's inbox after A equal those before A ever came."""
    for name in ("first-resident", "after-first-resident", "next-resident-after-first"):
        assert not step(session, name)["timed_out"], name
    first = shot(session, "first-resident")
    before = shot(session, "next-resident-first")
    after = shot(session, "next-resident-after-first")
    assert differing_pixels(first, before) > 1_000  # A's names and letter were on screen
    assert differing_pixels(after, before) == 0
    assert (
        differing_pixels(
            shot(session, "after-first-resident"), shot(session, "next-resident-signed-out")
        )
        == 0
    )
