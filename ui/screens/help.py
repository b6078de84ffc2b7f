"""Help: what is true about the resident's messages, and how stamps work, in plain words.

Reached from the inbox's "?" button; Back returns to the inbox. It says what the
sign-in notice says (staff read every message; how long messages are kept, from
the facility's policy: ``ui.account_notice``), then how a message is paid
(stamps, the return stamp a sender prepaid, collect on delivery where the facility
allows it), and that a rejected reply comes back as a draft (and whether its stamp
comes back, by the policy). Sentences that depend on the policy are chosen from
what the core reports (``Core.account_notice``) and reload on a policy change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QStyle, QVBoxLayout, QWidget

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui.account_notice import NoticeWords
from ui.refusals import describe
from ui.widgets.base import Navigator, Screen, button, label, name

if TYPE_CHECKING:
    from kiosk.views import AccountNotice
    from ui.context import Context

SECTIONS = ("notice", "stamps", "return_stamps", "collect", "rejected")


class HelpScreen(Screen):
    """Plain answers: review and retention, stamps, return stamps, collect, rejected replies."""

    shows = Changes.POLICY

    def __init__(self, context: Context, shell: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("help")
        self.context = context
        self.shell = shell
        self.notice: AccountNotice | None = None
        self.words = NoticeWords(self)
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 12, 24, 12)
        root.setSpacing(10)
        head = QHBoxLayout()
        self.back_button = button(None, "back", self)
        self.back_button.setObjectName("help_back")
        self.back_button.clicked.connect(lambda: self.shell.show_screen("inbox"))
        self.title = label("title")
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        root.addLayout(head)
        self.error = label("error")
        self.error.hide()
        root.addWidget(self.error)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.body = body = QWidget()
        self.column = column = QVBoxLayout(body)
        column.setSpacing(6)
        self.headings: dict[str, QLabel] = {}
        self.texts: dict[str, QLabel] = {}
        for key in SECTIONS:
            heading = label("subtitle", body)
            heading.setObjectName(f"help_{key}_title")
            text = label(None, body)
            text.setObjectName(f"help_{key}")
            column.addWidget(heading)
            column.addWidget(text)
            column.addSpacing(8)
            self.headings[key], self.texts[key] = heading, text
        column.addStretch(1)
        self.scroll_area.setWidget(body)
        root.addWidget(self.scroll_area, 1)
        self.retranslate()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_body()
        self.scroll_area.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_focus(self) -> QWidget | None:
        return self.scroll_area

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_body()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)  # a language change retranslates, which fits again
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._fit_body()  # large text on or off

    def _fit_body(self) -> None:
        """Give the text the height its wrapped lines need, so the area scrolls, never squeezes.

        (The scroll area alone sized the body to its viewport at large text, cutting
        every paragraph to two lines.) The width leaves room for a scroll bar.
        """
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        width = self.scroll_area.width() - 2 * self.scroll_area.frameWidth() - bar
        self.body.setMinimumHeight(self.column.heightForWidth(max(width, 1)))

    def retranslate(self) -> None:
        self.title.setText(self.tr("Help"))
        name(self.back_button, self.tr("Back"), self.tr("Back to your conversations"))
        self.scroll_area.setAccessibleName(self.tr("Help"))
        headings = {
            "notice": self.words.title(),
            "stamps": self.tr("Stamps"),
            "return_stamps": self.tr("Return stamps"),
            "collect": self.tr("Collect replies"),
            "rejected": self.tr("If a message you send is rejected"),
        }
        for key, text in headings.items():
            self.headings[key].setText(text)
        for key, text in self._texts().items():
            self.texts[key].setText(text)
            self.texts[key].setAccessibleName(text)
        self._fit_body()

    def _texts(self) -> dict[str, str]:
        notice = self.notice
        if notice is None:
            return {key: "" for key in SECTIONS}
        if notice.stamps_per_message == 0:
            cost = self.tr("Sending a message costs no stamps at this facility.")
        else:
            cost = self.tr("Each message you send costs %n stamps.", "", notice.stamps_per_message)
        stamps = " ".join(
            (
                cost,
                self.tr(
                    "Buy stamps on the Stamps screen: they are paid from your debit account "
                    "and you can use them once the facility confirms the purchase."
                ),
                self.tr(
                    "A reply is paid in this order: the return stamp of the message you "
                    "answer, then your own stamps, then collect. Before you tap Send, the "
                    "screen says which one applies."
                ),
            )
        )
        return_stamps = self.tr(
            "Someone who writes to you can pay for your reply in advance with a return "
            "stamp. Your reply to that message is then free for you, once. Messages with "
            "a return stamp show its mark."
        )
        if notice.cod_allowed:
            collect = self.tr(
                "If you have no stamps, you can send a reply collect to a contact who "
                "accepts it: the person you write to pays to open it, and you pay nothing."
            )
        else:
            collect = self.tr("This facility does not allow collect replies.")
        rejected = self.tr(
            "Staff may reject a message and give a reason. A rejected reply comes back "
            "to you as a draft: open Drafts, change it and tap Revise and send again."
        )
        if notice.refund_on_reject:
            refund = self.tr("The stamp it used is given back to you.")
        else:
            refund = self.tr("At this facility, the stamp it used is not given back.")
        return {
            "notice": self.words.text(notice),
            "stamps": stamps,
            "return_stamps": return_stamps,
            "collect": collect,
            "rejected": f"{rejected} {refund}",
        }

    def clear(self) -> None:
        self.notice = None
        self.error.hide()
        self.retranslate()

    def refresh(self) -> None:
        core = self.context.core
        if core is None or self.shell.resident is None:
            return
        self.context.tasks.run(
            core.account_notice, self._loaded, on_refusal=self._refused, owner=self
        )

    def _loaded(self, notice: AccountNotice) -> None:
        if self.shell.resident is None:
            return
        self.notice = notice
        self.error.hide()
        self.retranslate()

    def _refused(self, refusal: Refusal) -> None:
        self.error.setText(describe(refusal, self.context.now()))
        self.error.show()
