"""Roles Qt cannot be told with a property: headings, page tabs, dialogs and alerts.

A widget asks for one with :func:`set_role` (``"heading"``, ``"page_tab"``, ``"dialog"``,
``"alert"``); :func:`install` puts a factory into Qt's accessibility that gives such a
widget an interface with that role, so a screen reader can jump between headings, hears
the top bar's Messages, Stamps and Contacts as page tabs with the current one selected
(not as check boxes), and hears a confirmation or the idle warning as a dialog or alert.
Every other widget keeps Qt's own interface.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleEvent, QAccessibleInterface
from PySide6.QtWidgets import QAbstractButton, QAccessibleWidget, QLabel, QWidget
from shiboken6 import isValid

PROPERTY = "kite_accessible_role"
ROLES = {
    "heading": QAccessible.Role.Heading,
    "page_tab": QAccessible.Role.PageTab,
    "dialog": QAccessible.Role.Dialog,
    "alert": QAccessible.Role.AlertMessage,
}


def set_role(widget: QWidget, role: str) -> None:
    """Ask for ``role`` (a key of :data:`ROLES`) on ``widget``; effective once installed."""
    if role not in ROLES:
        raise ValueError(f"unknown accessible role {role!r}")
    widget.setProperty(PROPERTY, role)
    if role == "page_tab" and isinstance(widget, QAbstractButton):
        # A screen reader keeps the states it was told; say when "selected" changes.
        widget.toggled.connect(lambda _on, w=widget: _selection_changed(w))


def _selection_changed(widget: QWidget) -> None:
    # Qt's AT-SPI bridge forwards a state change of "selected" only as a Selection event.
    QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.Selection))


class _RoleInterface(QAccessibleWidget):
    """Qt's widget interface with another role; a label's or button's text is its name."""

    def __init__(self, widget: QWidget, role: QAccessible.Role) -> None:
        super().__init__(widget, role)
        self._widget = widget

    def text(self, kind: QAccessible.Text) -> str:
        widget = self._widget
        if kind == QAccessible.Text.Name:
            if widget.accessibleName():
                return widget.accessibleName()
            if isinstance(widget, (QLabel, QAbstractButton)):
                return widget.text().replace("&&", "&")
        return str(super().text(kind) or "")

    def state(self) -> QAccessible.State:
        state = super().state()
        widget = self._widget
        if isinstance(widget, QAbstractButton) and widget.isCheckable():
            state.selectable = True
            state.selected = widget.isChecked()
        return state


_installed: list[object] = []
_interfaces: dict[int, _RoleInterface] = {}


def _factory(_class_name: str, obj: QObject | None) -> QAccessibleInterface | None:
    if not isinstance(obj, QWidget):
        return None
    role = obj.property(PROPERTY)
    if not role or role not in ROLES:
        return None
    key = id(obj)
    interface = _interfaces.get(key)
    if interface is None or not isValid(interface):
        # Qt's accessibility cache owns the interface and deletes it with the widget, which
        # tells the Python wrapper; a reference is kept here only so that Python does not
        # delete it first. Entries whose interface Qt has deleted are dropped as new come.
        for stale in [k for k, i in _interfaces.items() if not isValid(i)]:
            del _interfaces[stale]
        interface = _RoleInterface(obj, ROLES[role])
        _interfaces[key] = interface
    return interface


def install() -> None:
    """Once per process, before widgets are shown to a screen reader."""
    if not _installed:
        QAccessible.installFactory(_factory)
        _installed.append(_factory)
