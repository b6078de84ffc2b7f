"""New message: choose one of the resident's approved contacts and write to them.

A resident writes first as easily as they reply: every approved contact is
here, whether or not they have written (a newly approved contact, or one whose
messages were all deleted). Tapping one opens compose for a new message (not a
reply). When the resident may not send (a restriction, messaging paused) the
screen says why and until when, above the list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui.formatting import isolate
from ui.refusals import describe
from ui.restrictions import sending_notice
from ui.widgets.base import Navigator, Screen, button, label, name
from ui.widgets.card_list import CardList

if TYPE_CHECKING:
    from kiosk.views import ContactView, FacilityStatus, ResidentView
    from ui.context import Context


class NewMessageScreen(Screen):
    """Who to write to: the approved contacts, one button each."""

    shows = Changes.CONTACTS | Changes.POLICY

    def __init__(self, context: Context, shell: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("new_message")
        self.context = context
        self.shell = shell
        self.contacts: tuple[ContactView, ...] = ()
        self.contact_buttons: dict[str, QWidget] = {}
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 12, 24, 12)
        root.setSpacing(10)
        head = QHBoxLayout()
        self.back_button = button(None, "back", self)
        self.back_button.setObjectName("new_message_back")
        self.back_button.clicked.connect(lambda: self.shell.show_screen("inbox"))
        self.title = label("title")
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        root.addLayout(head)
        self.notice = label("notice")
        self.notice.setObjectName("new_message_notice")
        self.notice.hide()
        root.addWidget(self.notice)
        self.error = label("error")
        self.error.hide()
        root.addWidget(self.error)
        self.scroll_area = CardList(self)
        self.scroll_area.setObjectName("new_message_list")
        self.body, self.rows = self.scroll_area.body, self.scroll_area.rows
        root.addWidget(self.scroll_area, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("New message: who to write to?"))
        name(self.back_button, self.tr("Back"), self.tr("Back to your conversations"))
        self.scroll_area.setAccessibleName(self.tr("Your approved contacts"))
        self._show()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.scroll_area.setFocus(Qt.FocusReason.OtherFocusReason)  # the contacts first

    def first_focus(self) -> QWidget | None:
        return self.scroll_area

    def clear(self) -> None:
        self.contacts = ()
        self.notice.hide()
        self.error.hide()
        self._show()

    def refresh(self) -> None:
        core = self.context.core
        if core is None or self.shell.resident is None:
            return

        def load() -> tuple[tuple[ContactView, ...], ResidentView, FacilityStatus]:
            from kiosk.views import ContactState  # not at import: views load the store's models

            return core.contacts(ContactState.APPROVED), core.resident(), core.facility_status()

        self.context.tasks.run(load, self._loaded, on_refusal=self._refused, owner=self)

    def _loaded(self, loaded: tuple[tuple[ContactView, ...], ResidentView, FacilityStatus]) -> None:
        if self.shell.resident is None:
            return
        self.contacts, resident, status = loaded
        text = sending_notice(resident, status, self.context.now())
        self.notice.setText(text)
        self.notice.setAccessibleName(text)
        self.notice.setVisible(bool(text))
        self.error.hide()
        self._show()

    def _refused(self, refusal: Refusal) -> None:
        self.error.setText(describe(refusal, self.context.now()))
        self.error.show()

    def _show(self) -> None:
        self.scroll_area.clear()
        self.contact_buttons = {}
        for contact in self.contacts:
            who = isolate(contact.display_name)
            line = who + (" (" + contact.relationship + ")" if contact.relationship else "")
            choice = button(None, "compose", self.body)
            choice.setObjectName(f"write_to_{contact.contact_id}")
            name(choice, line, self.tr("Write a new message to {name}").format(name=who))
            choice.clicked.connect(lambda _=False, c=contact: self.write_to(c))
            self.rows.addWidget(choice)
            self.contact_buttons[contact.contact_id] = choice
        if not self.contacts and self.shell.resident is not None:
            empty = label("muted")
            empty.setObjectName("new_message_empty")
            empty.setText(
                self.tr(
                    "You have no approved contacts yet. Family and friends appear here "
                    "once the facility approves them."
                )
            )
            self.rows.addWidget(empty)
        self.rows.addStretch(1)

    def write_to(self, contact: ContactView) -> None:
        """Open compose for a new message (not a reply) to ``contact``."""
        self.shell.show_screen("compose", contact=contact, in_reply_to=None)
