"""First start: show IT a QR code with this device's ID and one-time code, then wait.

The screen talks to an :class:`EnrollmentService` (the real one is
``sync.enrollment.SyncEnrollment``), asks every few seconds whether IT approved the device,
and emits ``enrolled`` once the credential is in the keyring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import qrcode
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from ui.widgets.base import Screen, card, label

if TYPE_CHECKING:
    from ui.context import Context

POLL_MS = 3000
#: Refusals that mean another request holds this device ID (the terminal keeps asking).
TAKEN_CODES = ("enrollment_conflict", "invalid_credentials")


class Ticket(Protocol):
    """What the screen shows of an enrollment ticket (``sync.enrollment.EnrollmentTicket``)."""

    @property
    def device_id(self) -> str: ...

    @property
    def one_time_code(self) -> str: ...

    def qr_payload(self) -> str: ...


class EnrollmentService(Protocol):
    """What the screen needs from enrollment (``sync.enrollment`` behind it)."""

    def begin(self) -> Ticket: ...

    def collect(self, ticket: Ticket) -> str:
        """``pending``, ``approved`` or ``revoked``."""
        ...


def qr_image(payload: str, scale: int = 10) -> QImage:
    """The QR code of ``payload`` as a black-on-white QImage (quiet zone included)."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix) * scale
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(x * scale, y * scale, scale, scale)
    painter.end()
    return image


class EnrollmentScreen(Screen):
    """Shown until IT approves this terminal."""

    enrolled = Signal()
    poll_ms = POLL_MS  # how often to ask whether IT approved (tests shorten it)

    def __init__(self, context: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enrollment")
        self.context = context
        self.service: EnrollmentService | None = None
        self.ticket: Ticket | None = None
        self._state = "starting"
        root = QHBoxLayout(self)
        root.setContentsMargins(48, 40, 48, 40)
        root.setSpacing(40)
        text = QVBoxLayout()
        self.title = label("title")
        self.instructions = label()
        self.device_label = label("muted")
        self.device_value = label("subtitle")
        self.device_value.setObjectName("device_id")
        self.device_value.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.code_label = label("muted")
        self.code_value = label("title")
        self.code_value.setObjectName("one_time_code")
        self.state_label = label("info")
        self.state_label.setObjectName("enrollment_state")
        for widget in (
            self.title,
            self.instructions,
            self.device_label,
            self.device_value,
            self.code_label,
            self.code_value,
            self.state_label,
        ):
            text.addWidget(widget)
        text.addStretch(1)
        root.addLayout(text, 3)
        qr_card = card(self)
        qr_layout = QVBoxLayout(qr_card)
        self.qr = label(wrap=False)
        self.qr.setObjectName("enrollment_qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        qr_layout.addWidget(self.qr)
        root.addWidget(qr_card, 2)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Set up this terminal"))
        self.instructions.setText(
            self.tr(
                "Facility IT: scan this code, or type the device ID into the central service, "
                "and approve this terminal by confirming the one-time code shown here. "
                "It starts by itself once approved."
            )
        )
        self.device_label.setText(self.tr("Device ID"))
        self.code_label.setText(self.tr("One-time code"))
        self.qr.setAccessibleName(self.tr("Enrollment QR code"))
        states = {
            "starting": self.tr("Contacting the central service…"),
            "pending": self.tr("Waiting for IT to approve this terminal…"),
            "approved": self.tr("Approved. Starting…"),
            "revoked": self.tr("This terminal was refused. Call facility IT."),
            "unreachable": self.tr("Cannot reach the central service. Trying again…"),
            "clock": self.tr(
                "The central service refuses this terminal's clock. Call facility IT to set "
                "the clock; it tries again by itself."
            ),
            "taken": self.tr(
                "The central service refused this enrollment request: another request holds "
                "this device ID. Call facility IT."
            ),
        }
        self.state_label.setText(states.get(self._state, ""))
        self.state_label.setAccessibleName(self.state_label.text())

    def open(self, service: EnrollmentService | None = None) -> None:
        if service is not None:
            self.service = service
        self._begin()

    def _set_state(self, state: str) -> None:
        self._state = state
        self.retranslate()

    def _begin(self) -> None:
        service = self.service
        if service is None:
            return
        self._set_state("starting")
        self.context.tasks.run(
            service.begin, self._show_ticket, on_error=self._unreachable, owner=self
        )

    def _show_ticket(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.device_value.setText(ticket.device_id)
        self.code_value.setText(ticket.one_time_code)
        self.code_value.setAccessibleName(ticket.one_time_code)
        self.qr.setPixmap(QPixmap.fromImage(qr_image(ticket.qr_payload(), scale=8)))
        self._set_state("pending")
        self._timer.start(self.poll_ms)

    def _unreachable(self, exc: BaseException) -> None:
        # A refusal that retrying will not cure soon: someone else's request holds the ID.
        code = getattr(exc, "code", None)
        if code == "clock_skew":
            self._set_state("clock")
        else:
            self._set_state("taken" if code in TAKEN_CODES else "unreachable")
        QTimer.singleShot(self.poll_ms, self, self._begin if self.ticket is None else self._poll)

    def _poll(self) -> None:
        service, ticket = self.service, self.ticket
        if service is None or ticket is None:
            return
        self.context.tasks.run(
            lambda: service.collect(ticket), self._collected, on_error=self._unreachable, owner=self
        )

    def _collected(self, outcome: str) -> None:
        if outcome == "approved":
            self._timer.stop()
            self._set_state("approved")
            self.enrolled.emit()
        elif outcome == "revoked":
            self._timer.stop()
            self._set_state("revoked")
        else:
            self._set_state("pending")
