"""Counted phrases said outside a screen ("2 photos", "1 reply waiting to send").

Qt picks the singular or the plural from a translation's plural forms only for a
string extracted as counted, and ``pyside6-lupdate`` marks as counted only
``self.tr(text, "", n)`` inside a class: these helpers are that class for the
modules that have no screen of their own (statuses, the sync line, refusals).
The translation context is ``Counts``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject


class Counts(QObject):
    """One method per counted phrase; each returns the phrase in the current language."""

    def photos(self, n: int) -> str:
        return self.tr("%n photos", "", n)

    def videos(self, n: int) -> str:
        return self.tr("%n videos", "", n)

    def ecards(self, n: int) -> str:
        return self.tr("%n eCards", "", n)

    def attachments(self, n: int) -> str:
        return self.tr("%n attachments", "", n)

    def uses_own_stamps(self, stamps: int, balance: int) -> str:
        return self.tr("Uses {stamps} of your %n stamps", "", balance).format(stamps=stamps)

    def replies_waiting(self, n: int) -> str:
        return self.tr("%n replies waiting to send", "", n)

    def purchases_waiting(self, n: int) -> str:
        return self.tr("%n stamp purchases waiting to send", "", n)

    def server_busy(self, seconds: int) -> str:
        return self.tr("The server is busy. Please wait %n seconds, then try again.", "", seconds)


def counts() -> Counts:
    """A fresh, parentless :class:`Counts` (cheap; it holds nothing)."""
    return Counts()
