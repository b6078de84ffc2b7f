"""Nothing of a resident outlives the session: not on screen, in models, undo stacks,
the clipboard or the Python heap, whichever way the session ended."""

from __future__ import annotations

import gc
import uuid

import pytest
from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from tests.ui.conftest import Terminal

# A new marker per test: what an earlier test's shell left to the collector never matches.
MARK = ""
ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.AccessibleDescriptionRole,
    Qt.ItemDataRole.UserRole,
)


def _plant(terminal: Terminal) -> None:
    global MARK
    MARK = f"Zq{uuid.uuid4().hex[:10]}"
    world = terminal.world
    world.policy(session_cap_s=300)
    world.resident("r1", "A1001", f"Ana {MARK}", "2468")
    world.contact(name=f"Maria {MARK}")
    world.inbound(body=f"Secret {MARK} words")
    entry = world.entry(3)
    entry["memo"] = f"Memo {MARK}"
    world.feed(("ledger_entry", entry))


def _use_every_screen(terminal: Terminal) -> None:
    contact = terminal.core.contacts()[0]
    terminal.show("conversation", contact=contact)
    terminal.show("stamps")
    contacts = terminal.show("contacts")
    contacts.ask_block(contact)  # the confirmation card names the contact
    assert MARK in contacts.confirm.findChildren(QLabel)[0].text()
    compose = terminal.show("compose", contact=contact)
    compose.editor.setFocus()
    compose.editor.insertPlainText(f"Draft {MARK} text")
    compose.editor.selectAll()
    compose.editor.copy()
    terminal.settle()
    assert MARK in QGuiApplication.clipboard().text()


def _end(terminal: Terminal, how: str) -> None:
    if how == "sign_out":
        terminal.click(terminal.shell.sign_out_button)
    else:
        for seconds in (85, 16) if how == "cap" else (121,):
            terminal.world.clock.advance(seconds)
            terminal.watch.poll()
            terminal.settle()
    assert terminal.shell.current_key() == "signin"
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    terminal.settle()


def _widget_texts(widget: QWidget) -> list[str]:
    texts = [widget.accessibleName(), widget.accessibleDescription(), widget.toolTip()]
    texts.append(widget.windowTitle())
    if isinstance(widget, (QLabel, QLineEdit, QAbstractButton)):
        texts.append(widget.text())
    if isinstance(widget, QLineEdit):
        texts.append(widget.placeholderText())
        while widget.isUndoAvailable():
            widget.undo()
            texts.append(widget.text())
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        texts.append(widget.toPlainText())
        document = widget.document()
        while document.isUndoAvailable():
            document.undo()
            texts.append(widget.toPlainText())
    return texts


def _model_texts(model: QAbstractItemModel) -> list[str]:
    texts = []
    try:
        columns = max(1, model.columnCount(QModelIndex()))
    except TypeError:  # a list model keeps columnCount private: one column
        columns = 1
    for row in range(model.rowCount(QModelIndex())):
        for column in range(columns):
            index = model.index(row, column)
            texts.extend(str(model.data(index, role)) for role in ROLES)
    return texts


def _leaks(terminal: Terminal) -> list[str]:
    found = []
    for widget in QApplication.allWidgets():
        found += [f"{type(widget).__name__}: {t}" for t in _widget_texts(widget) if MARK in t]
    models = {id(m): m for m in terminal.shell.findChildren(QAbstractItemModel)}
    for view in QApplication.allWidgets():
        model = getattr(view, "model", None)
        if callable(model) and isinstance(model(), QAbstractItemModel):
            models[id(model())] = model()
    for model in models.values():
        found += [f"{type(model).__name__}: {t}" for t in _model_texts(model) if MARK in t]
    clipboard = QGuiApplication.clipboard()
    for mode in (clipboard.Mode.Clipboard, clipboard.Mode.Selection):
        if MARK in clipboard.text(mode):
            found.append(f"clipboard {mode}")
    return found


def _heap_leaks(terminal: Terminal) -> list[str]:
    gc.collect()
    # The test's stand-in for the server's sign-in directory keeps its own profiles.
    stand_in = {id(profile) for _pin, profile in terminal.world.directory.pins.values()}
    found = []
    for holder in gc.get_objects():
        if id(holder) in stand_in:
            continue
        if isinstance(holder, QObject) or str(getattr(type(holder), "__module__", "")).startswith(
            ("ui.", "kiosk.")
        ):
            for value in gc.get_referents(holder):
                if isinstance(value, str) and MARK in value and value != MARK:
                    found.append(f"{type(holder).__name__}: {value}")
            attrs = getattr(holder, "__dict__", None)
            for value in (attrs or {}).values():
                if isinstance(value, str) and MARK in value and value != MARK:
                    found.append(f"{type(holder).__name__}.attr: {value}")
        elif isinstance(holder, (dict, list, tuple)):
            values = list(holder.values()) if isinstance(holder, dict) else list(holder)
            for value in values:
                if isinstance(value, str) and MARK in value and value != MARK:
                    found.append(f"{type(holder).__name__}: {value}")
    return found


@pytest.mark.parametrize("how", ["sign_out", "idle", "cap"])
def test_no_trace_of_the_resident_after_the_session_ends(terminal: Terminal, how: str) -> None:
    _plant(terminal)
    terminal.world.resident("r2", "A1002", "Luis Vega", "1357")
    terminal.sign_in()
    if how == "cap":
        for _ in range(2):
            terminal.world.clock.advance(100)
            terminal.core.touch()
    _use_every_screen(terminal)
    assert _leaks(terminal)  # the probe sees the planted data while the session runs
    _end(terminal, how)
    assert _leaks(terminal) == []
    assert _heap_leaks(terminal) == []
    # The next resident's session shows none of it either.
    terminal.sign_in("A1002", "1357")
    assert terminal.shell.resident_label.full_text() == "Luis Vega"
    for key in ("inbox", "contacts", "stamps"):
        terminal.show(key)
    assert _leaks(terminal) == []


def test_undo_in_the_empty_id_field_never_brings_back_the_last_id(terminal: Terminal) -> None:
    signin = terminal.shell.signin
    terminal.type_on_keypad(signin.id_field, "1001")
    signin.id_field.setText("A1001")
    terminal.sign_in()
    terminal.click(terminal.shell.sign_out_button)
    for field in (signin.id_field, signin.pin_field):
        assert field.text() == ""
        assert not field.isUndoAvailable()
        field.undo()
        assert field.text() == ""
