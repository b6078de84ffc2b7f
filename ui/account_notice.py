"""The notice of review and retention: its one wording, and the panel that shows it at sign-in.

Facility staff read every message before it is delivered, and the service keeps
messages for the days the facility's policy says (``kiosk.notice``; a policy that
does not say gets a sentence without a number). The panel sits inside the inbox,
never in a dialog (the kiosk allows no second surface). It shows at a resident's
first sign-in on this terminal; "I understand" hides it and has the core remember,
for this resident only, so the next resident sees it too. The help screen shows
the same sentences (:class:`NoticeWords`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from ui.widgets.base import button, label, name

if TYPE_CHECKING:
    from kiosk.views import AccountNotice


class NoticeWords(QObject):
    """The notice's sentences in the current language (translation context ``NoticeWords``)."""

    def title(self) -> str:
        return self.tr("Your messages are read and kept")

    def review(self) -> str:
        return self.tr(
            "Facility staff read every message before it is delivered: the messages "
            "you receive and the messages you send."
        )

    def retention(self, days: int | None) -> str:
        if days is None:
            return self.tr(
                "Your messages are kept for a time the facility decides. Ask staff how long."
            )
        return self.tr("Your messages are kept for %n days.", "", days)

    def text(self, notice: AccountNotice) -> str:
        return f"{self.review()} {self.retention(notice.retention_days)}"


class NoticePanel(QFrame):
    """The notice inside the window, with "I understand"; hidden until :meth:`present`."""

    acknowledged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "overlay")
        self.setObjectName("account_notice")
        self.words = NoticeWords(self)
        self.notice: AccountNotice | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        self.heading = label("subtitle")
        self.heading.setObjectName("account_notice_title")
        self.body = label()
        self.body.setObjectName("account_notice_text")
        self.ok_button = button("primary", "check", self)
        self.ok_button.setObjectName("account_notice_ok")
        self.ok_button.clicked.connect(self._acknowledge)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.ok_button)
        layout.addWidget(self.heading)
        layout.addWidget(self.body)
        layout.addLayout(row)
        self.hide()
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        name(self.ok_button, self.tr("I understand"), self.tr("Hide this notice"))
        self.heading.setText(self.words.title())
        if self.notice is not None:
            self.body.setText(self.words.text(self.notice))
        self.setAccessibleName(self.words.title())
        self.setAccessibleDescription(self.body.text())

    def present(self, notice: AccountNotice) -> None:
        self.notice = notice
        self.retranslate()
        self.show()

    def forget(self) -> None:
        self.notice = None
        self.body.clear()
        self.hide()

    def _acknowledge(self) -> None:
        self.hide()
        self.acknowledged.emit()
