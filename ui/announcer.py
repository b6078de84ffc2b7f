"""One voice for status changes a sighted resident sees (WCAG 2.2, 4.1.3 Status Messages).

A label that changes is silent to a screen reader unless focus moves to it. The screens
call :func:`announce` with the very sentence they show (already translated, so it is in
the resident's language), once per change: Qt sends it as an accessibility announcement
(``QAccessibleAnnouncementEvent``, AT-SPI ``object:announcement``), which Orca speaks
without moving the focus. Polite for news (a message arrived, a purchase went through, the
sync state), assertive for what needs acting on now (an error, a session about to end).

:attr:`Announcer.said` carries each announcement too, for the tests that run offscreen
(where Qt's accessibility is off and no event is sent).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent


class Announcer(QObject):
    """Sends announcements; :attr:`said` reports each one (text, assertive)."""

    said = Signal(str, bool)

    def say(self, source: QObject, text: str, *, assertive: bool = False) -> None:
        text = text.strip()
        if not text:
            return
        event = QAccessibleAnnouncementEvent(source, text)
        event.setPoliteness(
            QAccessible.AnnouncementPoliteness.Assertive
            if assertive
            else QAccessible.AnnouncementPoliteness.Polite
        )
        QAccessible.updateAccessibility(event)
        self.said.emit(text, assertive)


_announcer: Announcer | None = None


def announcer() -> Announcer:
    """The application's one announcer (made on first use, owned by the application)."""
    global _announcer
    if _announcer is None:
        _announcer = Announcer(QCoreApplication.instance())
    return _announcer


def announce(source: QObject, text: str, *, assertive: bool = False) -> None:
    """Say ``text`` (already translated) to a screen reader, from ``source``'s widget."""
    announcer().say(source, text, assertive=assertive)
