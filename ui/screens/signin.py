"""Sign-in: language first, then facility ID and PIN on a large keypad.

Shows the facility's state before anyone types: closed (and when it opens),
messaging suspended (reading still works). A refused sign-in shows the
translated reason (wrong PIN, locked with the time left, offline and unknown).
The PIN leaves the field the moment it is submitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui.announcer import announce
from ui.formatting import day_and_time, set_time_zone
from ui.i18n import LANGUAGE_NAMES, LANGUAGES
from ui.refusals import describe, describe_error
from ui.widgets.base import Screen, button, card, label, name
from ui.widgets.keypad import Keypad
from ui.widgets.secret_field import SecretField

if TYPE_CHECKING:
    from kiosk.core import Core
    from kiosk.views import FacilityStatus, SignedIn
    from ui.context import Context

STATUS_REFRESH_MS = 30_000


def sign_in_after_expiry(core: Core, facility_number: str, pin: str) -> SignedIn:
    """``Core.sign_in``, first ending a timed-out session the core still holds.

    The shell ends every session it knows of (keeping the resident's text) before
    a sign-in is sent. If that ending never reached the core (its write failed),
    the expired session would refuse every later resident as ``already_signed_in``;
    a session that is still live is never ended here.
    """
    try:
        return core.sign_in(facility_number, pin)
    except Refusal as refusal:
        state = core.session_state()
        if refusal.code != "already_signed_in" or state is None or state.phase != "expired":
            raise
        core.end_session(state.ending)
        return core.sign_in(facility_number, pin)


class SignInScreen(Screen):
    """The first screen a resident sees."""

    shows = Changes.POLICY

    signed_in = Signal(object)  # kiosk.views.SignedIn
    language_chosen = Signal(str)
    large_text_toggled = Signal(bool)
    high_contrast_toggled = Signal(bool)
    first_paint = Signal()

    def __init__(self, context: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signin")
        self.context = context
        self._painted = False
        self._busy = False
        self._ending = 0  # sessions the core is still closing (drafts being kept)
        self._queued: tuple[str, str] | None = None  # a sign-in waiting for that
        self._status: FacilityStatus | None = None
        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh)
        self._problem = ""  # a terminal-wide problem that outranks the facility's notices

        # Everything sits in a scroll area: at normal text it all fits 1280x720 (and an
        # 800x1280 portrait tablet) without scrolling; at large text the screen may be
        # taller than the display and scrolls, so the Sign in button stays reachable
        # instead of being cut off below the screen's edge.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setObjectName("signin_scroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a container, not a control
        content = QWidget(self.scroll_area)
        content.setObjectName("signin_content")
        outer.addWidget(self.scroll_area)

        root = QHBoxLayout(content)
        root.setContentsMargins(32, 12, 32, 12)
        root.setSpacing(32)

        left = QVBoxLayout()
        left.setSpacing(12)
        self.title = label("title")
        self.subtitle = label("muted")
        left.addWidget(self.title)
        left.addWidget(self.subtitle)

        self.language_label = label("subtitle")
        left.addWidget(self.language_label)
        langs = QHBoxLayout()
        self.language_buttons: dict[str, QPushButton] = {}
        for code in LANGUAGES:
            widget = button(None, None, self, checkable=True)
            widget.setObjectName(f"language_{code}")
            widget.clicked.connect(lambda _=False, c=code: self.language_chosen.emit(c))
            langs.addWidget(widget)
            self.language_buttons[code] = widget
        left.addLayout(langs)

        access = QVBoxLayout()  # one above the other: both labels fit even with large text
        self.large_text = button(None, "text-size", self, checkable=True)
        self.large_text.setObjectName("large_text")
        self.large_text.toggled.connect(self.large_text_toggled)
        self.high_contrast = button(None, "contrast", self, checkable=True)
        self.high_contrast.setObjectName("high_contrast")
        self.high_contrast.toggled.connect(self.high_contrast_toggled)
        access.addWidget(self.large_text)
        access.addWidget(self.high_contrast)
        left.addLayout(access)

        self.facility_notice = label("notice")
        self.facility_notice.setObjectName("facility_notice")
        self.facility_notice.hide()
        left.addWidget(self.facility_notice)
        left.addStretch(1)
        root.addLayout(left, 4)

        form_card = card(self)
        form = QGridLayout(form_card)
        form.setContentsMargins(16, 12, 16, 12)
        form.setVerticalSpacing(8)
        form.setHorizontalSpacing(16)
        self.id_label = label("subtitle")
        self.id_field = QLineEdit(self)
        self.id_field.setObjectName("facility_id")
        self.id_field.setMaxLength(32)
        self.id_field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.pin_label = label("subtitle")
        # The PIN never enters Qt: the field holds bullets (ui/widgets/secret_field.py), so
        # no accessibility event, undo step or input method ever carries a digit of it.
        self.pin_field = SecretField(self)
        self.pin_field.setObjectName("pin")
        self.pin_field.setMaxLength(12)
        self.pin_field.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData
        )
        self.id_label.setBuddy(self.id_field)
        self.pin_label.setBuddy(self.pin_field)
        for field in (self.id_field, self.pin_field):
            field.setAcceptDrops(False)
        self.keypad = Keypad(self)
        self.keypad.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.keypad.target = self.id_field
        self.sign_in_button = button("primary", "check", self)
        self.sign_in_button.setObjectName("sign_in")
        self.sign_in_button.clicked.connect(self.submit)
        self.error = label("error")
        self.error.setObjectName("signin_error")
        self.error.hide()
        # Labels beside their fields: the keypad and Sign in stay on screen even with large text.
        form.addWidget(self.id_label, 0, 0)
        form.addWidget(self.id_field, 0, 1)
        form.addWidget(self.pin_label, 1, 0)
        form.addWidget(self.pin_field, 1, 1)
        form.addWidget(self.error, 2, 0, 1, 2)
        form.addWidget(self.keypad, 3, 0, 1, 2)
        form.addWidget(self.sign_in_button, 4, 0, 1, 2)
        form.setColumnStretch(1, 1)
        root.addWidget(form_card, 5)
        self.scroll_area.setWidget(content)

        for field in (self.id_field, self.pin_field):
            field.installEventFilter(self)
            field.returnPressed.connect(self._advance)
        self.setTabOrder(self.language_buttons["en"], self.language_buttons["es"])
        self.setTabOrder(self.language_buttons["es"], self.large_text)
        self.setTabOrder(self.large_text, self.high_contrast)
        self.setTabOrder(self.high_contrast, self.id_field)
        self.setTabOrder(self.id_field, self.pin_field)
        self.setTabOrder(self.pin_field, self.sign_in_button)
        self.retranslate()

    # -- Screen ------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Welcome to Kite messaging"))
        self.subtitle.setText(self.tr("Read your messages, reply and buy stamps."))
        self.language_label.setText(self.tr("Language"))
        for code, widget in self.language_buttons.items():
            name(widget, LANGUAGE_NAMES[code], self.tr("Show the screens in this language"))
        name(self.large_text, self.tr("Large text"), self.tr("Make all text bigger"))
        name(self.high_contrast, self.tr("High contrast"), self.tr("Light text on a black screen"))
        self.id_label.setText(self.tr("Facility ID number"))
        self.id_field.setAccessibleName(self.tr("Facility ID number"))
        self._id_hint = self.tr("Type it with the number pad")
        self.pin_label.setText(self.tr("PIN"))
        self.pin_field.setAccessibleName(self.tr("PIN"))
        self._pin_hint = self.tr("Your secret number; it is not shown")
        self._describe_fields()
        name(self.sign_in_button, self.tr("Sign in"), self.tr("Sign in with this ID and PIN"))
        self._show_status()

    def first_focus(self) -> QWidget | None:
        return self.id_field

    def clear(self) -> None:
        # setText, not clear(): it also empties the undo history, so Ctrl+Z in the empty
        # field never brings back the previous resident's ID number or PIN.
        for field in (self.id_field, self.pin_field):
            field.setText("")
        self.error.hide()
        self._describe_fields()
        self.keypad.target = self.id_field

    def refresh(self) -> None:
        """Ask the core whether the facility is open or suspended."""
        core = self.context.core
        if core is None:
            return

        def load() -> tuple[FacilityStatus, str]:
            return core.facility_status(), core.policy().timezone

        self.context.tasks.run(load, self._loaded_status, owner=self)

    def _loaded_status(self, loaded: tuple[FacilityStatus, str]) -> None:
        status, zone = loaded
        set_time_zone(zone)
        self.show_facility_status(status)
        # Hours of service come and go while this screen waits: look again now and then.
        self._status_timer.start()

    # -- behaviour ---------------------------------------------------------------
    def set_language(self, language: str) -> None:
        for code, widget in self.language_buttons.items():
            widget.setChecked(code == language)

    def show_message(self, text: str) -> None:
        """Show a sentence in the error box (a refusal, or why a session ended)."""
        self.error.setText(text)
        self.error.setAccessibleName(text)
        self.error.setVisible(bool(text))
        self._describe_fields()
        announce(self, text, assertive=True)  # an error, or why the last session ended

    def _describe_fields(self) -> None:
        """The fields' descriptions carry the error while it shows (read with the field)."""
        error = self.error.text() if not self.error.isHidden() else ""
        for field, hint in ((self.id_field, self._id_hint), (self.pin_field, self._pin_hint)):
            field.setAccessibleDescription(f"{error} {hint}" if error else hint)

    def show_facility_problem(self, text: str) -> None:
        """A terminal-wide problem (device revoked, needs IT): stays in the notice box."""
        self._problem = text
        self._show_status()

    def show_facility_status(self, status: FacilityStatus) -> None:
        self._status = status
        self._show_status()

    def _show_status(self) -> None:
        status = self._status
        closed = status is not None and not status.open_now
        self.sign_in_button.setEnabled(not closed and not self._busy)
        if self._problem:
            text = self._problem
        elif status is None:
            self.facility_notice.hide()
            return
        elif closed:
            if status.next_opening is not None:
                text = self.tr("Messaging is closed. It opens again {when}.").format(
                    when=day_and_time(status.next_opening)
                )
            else:
                text = self.tr("Messaging is closed right now.")
        elif status.messaging_suspended:
            text = self.tr(
                "The facility has paused sending messages. You can still sign in and read."
            )
            if status.suspended_reason:
                text += "\n" + status.suspended_reason
        else:
            self.facility_notice.hide()
            return
        self.facility_notice.setText(text)
        self.facility_notice.setAccessibleName(text)
        self.facility_notice.show()

    def _advance(self) -> None:
        if self.sender() is self.id_field:
            self.pin_field.setFocus()
        else:
            self.submit()

    def submit(self) -> None:
        facility_number = self.id_field.text().strip()
        pin = self.pin_field.secret()
        self.pin_field.clear()  # the PIN lives in the widget no longer than needed
        if not facility_number or not pin:
            self.show_message(self.tr("Enter your facility ID number and your PIN."))
            (self.id_field if not facility_number else self.pin_field).setFocus()
            return
        core = self.context.core
        if core is None:
            self.show_message(self.tr("The terminal is still starting. Try again in a moment."))
            return
        self._busy = True
        self.sign_in_button.setEnabled(False)
        self.show_message("")
        if self._ending:
            self._queued = (facility_number, pin)  # sent once the last session is closed
            return
        self._send(facility_number, pin)

    def session_ending(self, ending: bool) -> None:
        """The shell is closing a session in the core; sign-ins wait until it is done."""
        self._ending = self._ending + 1 if ending else max(0, self._ending - 1)
        if not self._ending and self._queued is not None:
            queued, self._queued = self._queued, None
            self._send(*queued)

    def _send(self, facility_number: str, pin: str) -> None:
        core = self.context.core
        if core is None:
            self._busy = False
            self._show_status()
            return

        def sign_in() -> tuple[SignedIn, str]:
            # The policy (and its zone) may have arrived by sync since this screen loaded.
            return sign_in_after_expiry(core, facility_number, pin), core.policy().timezone

        self.context.tasks.run(
            sign_in,
            self._signed_in,
            on_refusal=self._refused,
            on_error=self._failed,
            owner=self,
        )

    def _signed_in(self, answer: tuple[SignedIn, str]) -> None:
        signed, zone = answer
        set_time_zone(zone)
        self._busy = False
        self._show_status()
        self.clear()
        self.signed_in.emit(signed)

    def _refused(self, refusal: Refusal) -> None:
        self._busy = False
        self._show_status()
        self.show_message(describe(refusal, self.context.now()))
        self.pin_field.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self._show_status()
        self.show_message(describe_error(exc))

    # -- events ------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn and isinstance(watched, QLineEdit):
            self.keypad.target = watched
        elif (
            event.type() == QEvent.Type.KeyPress
            and watched is self.pin_field
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Paste)
        ):
            return True  # a PIN is typed, never pasted
        return super().eventFilter(watched, event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_paint.emit()
