"""Change notices: the screen in front reloads only when a kind of data it shows changed.

The notices come the way they do in the running terminal: from the core's
writes run through the task runner, and from the sync worker's thread through
the status bridge.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from kiosk.changes import Changes, of_feed
from tests.ui.conftest import Terminal
from ui.sync_status import SyncStatusBridge
from ui.widgets.base import Screen


def count_refreshes(screen: Screen, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the screen's reloads (each still reloads for real)."""
    calls: list[int] = []
    original: Callable[[], None] = screen.refresh

    def counted() -> None:
        calls.append(1)
        original()

    monkeypatch.setattr(screen, "refresh", counted)
    return calls


def from_sync_thread(terminal: Terminal, changes: Changes) -> None:
    """What a sync round changed, reported on a plain thread as the worker does."""
    bridge = SyncStatusBridge(terminal.shell)
    arrived: list[Changes] = []
    bridge.data_changed.connect(terminal.shell.data_changed)
    bridge.data_changed.connect(arrived.append)
    reporter = threading.Thread(target=bridge.changes_listener, args=(changes,))
    reporter.start()
    reporter.join()
    terminal.qtbot.waitUntil(lambda: arrived == [changes], timeout=5000)
    terminal.settle()


def test_a_sync_round_that_brings_a_message_refreshes_the_inbox(signed_in: Terminal) -> None:
    inbox = signed_in.show("inbox")
    assert inbox.model.rowCount() == 0
    signed_in.world.inbound(body="Hello from home")  # as a pulled feed page applies it
    from_sync_thread(signed_in, of_feed(["message"]))
    signed_in.qtbot.waitUntil(lambda: inbox.model.rowCount() == 1, timeout=5000)
    assert inbox.model.rows()[0].last_message.body == "Hello from home"
    assert inbox.banner_text.text() == "New message from Maria"


def test_a_stamps_change_does_not_reload_the_inbox(
    signed_in: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in.world.debit(1000)
    inbox = signed_in.show("inbox")
    reloads = count_refreshes(inbox, monkeypatch)
    with signed_in.qtbot.waitSignal(signed_in.tasks.changed, timeout=5000) as notice:
        signed_in.tasks.run(lambda: signed_in.core.buy_stamps("single"))
    signed_in.settle()
    assert notice.args == [Changes.STAMPS]
    from_sync_thread(signed_in, of_feed(["ledger_entry", "debit_balance"]))
    assert reloads == []


def test_a_screen_reloads_on_a_kind_it_shows(
    signed_in: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamps = signed_in.show("stamps")
    reloads = count_refreshes(stamps, monkeypatch)
    signed_in.world.ledger(4)  # a family's transfer, as a pulled feed page applies it
    from_sync_thread(signed_in, of_feed(["ledger_entry"]))
    assert reloads == [1]
    assert stamps.spendable_value.text() == "4"
    from_sync_thread(signed_in, of_feed(["message"]))
    assert reloads == [1]


def test_a_hidden_screen_is_not_reloaded_but_is_when_shown_again(
    signed_in: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = signed_in.show("inbox")
    signed_in.show("stamps")
    reloads = count_refreshes(inbox, monkeypatch)
    signed_in.world.inbound(body="While you were buying stamps")
    from_sync_thread(signed_in, of_feed(["message"]))
    assert reloads == []
    signed_in.show("inbox")
    assert reloads == [1]
    assert inbox.model.rows()[0].last_message.body == "While you were buying stamps"
