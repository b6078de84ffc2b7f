"""The "are you still there?" panel: a countdown and one big "More time" button.

For the session cap and the facility's closing time the countdown shows
without the button: neither can be extended, and unfinished text is kept as a
draft.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from ui.accessible_roles import set_role
from ui.announcer import announce
from ui.widgets.base import button, label, name


class IdleWarning(QFrame):
    """An overlay card raised over the current screen."""

    more_time = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("idle_warning")
        self.setProperty("role", "overlay")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        set_role(self, "alert")
        self._seconds = 0
        self._ending = "idle"
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(18)
        self.title = label("title")
        self.countdown = label("subtitle")
        self.countdown.setObjectName("idle_countdown")
        self.more_button = button("primary", "more-time", self)
        self.more_button.setObjectName("more_time")
        self.more_button.clicked.connect(self.more_time)
        layout.addWidget(self.title)
        layout.addWidget(self.countdown)
        layout.addWidget(self.more_button)
        self.hide()
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        if self._ending == "closed":
            self.title.setText(self.tr("Messaging closes soon"))
            text = self.tr(
                "Messaging closes in %n seconds. Anything you are writing is kept as a draft.",
                "",
                self._seconds,
            )
        elif self._ending == "cap":
            self.title.setText(self.tr("Your time is almost up"))
            text = self.tr(
                "Your session ends in %n seconds. Anything you are writing is kept as a draft.",
                "",
                self._seconds,
            )
        else:
            self.title.setText(self.tr("Are you still there?"))
            text = self.tr(
                "Your session ends in %n seconds unless you tap More time.", "", self._seconds
            )
        self.countdown.setText(text)
        name(self.more_button, self.tr("More time"), self.tr("Keep my session open"))
        self.setAccessibleName(self.title.text())
        self.setAccessibleDescription(self.countdown.text())

    def show_countdown(self, seconds: int, ending: str) -> None:
        was_hidden = self.isHidden()
        self._seconds, self._ending = seconds, ending
        extendable = ending == "idle"
        self.more_button.setVisible(extendable)
        self.retranslate()
        self.place()
        self.show()
        self.raise_()
        if was_hidden:
            # Once, as it appears; the countdown that follows is not read out every second.
            announce(self, f"{self.title.text()} {self.countdown.text()}", assertive=True)
        if was_hidden and extendable:
            self.more_button.setFocus()

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        width = min(parent.width() - 40, max(520, parent.width() // 2))
        self.setFixedWidth(max(320, width))
        self.adjustSize()
        self.move((parent.width() - self.width()) // 2, (parent.height() - self.height()) // 2)
