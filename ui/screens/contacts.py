"""Contacts: approved, pending, blocked and suspended; write, block and unblock; restrictions.

Each approved contact has "Write": their conversation opens (empty if they
have never written), with its Write button for a first message.

A resident under a communication restriction sees it here, with its end date
and the facility's reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui.formatting import isolate
from ui.refusals import describe
from ui.restrictions import restriction_notice
from ui.theme import TOUCH_PX, current_appearance
from ui.widgets.base import Navigator, Screen, button, card, label, name
from ui.widgets.card_list import CardList
from ui.widgets.confirm import ConfirmPanel

if TYPE_CHECKING:
    from kiosk.views import ContactView, ResidentView
    from ui.context import Context

SECTIONS = ("approved", "pending", "blocked", "suspended")


class ContactsScreen(Screen):
    """Who the resident can write to, and who not (and why)."""

    shows = Changes.CONTACTS

    def __init__(self, context: Context, shell: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contacts")
        self.context = context
        self.shell = shell
        self.contacts: tuple[ContactView, ...] = ()
        self.resident: ResidentView | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 16, 24, 16)
        root.setSpacing(10)
        self.title = label("title")
        root.addWidget(self.title)
        self.restriction = label("notice")
        self.restriction.setObjectName("restriction_notice")
        self.restriction.hide()
        root.addWidget(self.restriction)
        self.confirm = ConfirmPanel(self)
        root.addWidget(self.confirm)
        self.error = label("error")
        self.error.hide()
        root.addWidget(self.error)
        self.scroll_area = CardList(self)
        self.scroll_area.setObjectName("contact_list")
        self.body, self.rows = self.scroll_area.body, self.scroll_area.rows
        root.addWidget(self.scroll_area, 1)
        self.row_widgets: dict[str, QWidget] = {}
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Contacts"))
        self.scroll_area.setAccessibleName(self.tr("Your contacts"))
        self._show()

    def first_focus(self) -> QWidget | None:
        return self.scroll_area  # the contacts, each with its actions

    def clear(self) -> None:
        self.contacts = ()
        self.resident = None
        self.confirm.dismiss()
        self.error.hide()
        self._show()

    def refresh(self) -> None:
        core = self.context.core
        if core is None or self.shell.resident is None:
            return
        self.context.tasks.run(
            lambda: (core.resident(), core.contacts()),
            self._loaded,
            on_refusal=self._refused,
            owner=self,
        )

    def _loaded(self, loaded: tuple[ResidentView, tuple[ContactView, ...]]) -> None:
        if self.shell.resident is None:
            return
        self.resident, contacts = loaded
        self.contacts = tuple(contacts)
        self.error.hide()
        self._show()

    def _refused(self, refusal: Refusal) -> None:
        self.error.setText(describe(refusal, self.context.now()))
        self.error.show()

    def _section_title(self, state: str) -> str:
        return {
            "approved": self.tr("Approved"),
            "pending": self.tr("Waiting for approval"),
            "blocked": self.tr("Blocked by you"),
            "suspended": self.tr("Suspended by the facility"),
        }[state]

    def _show(self) -> None:
        self.scroll_area.clear()
        self.row_widgets = {}
        text = restriction_notice(self.resident, self.context.now())
        if text:
            self.restriction.setText(text)
            self.restriction.setAccessibleName(text)
            self.restriction.show()
        else:
            self.restriction.hide()
        for state in SECTIONS:
            members = [c for c in self.contacts if str(c.state) == state]
            if not members:
                continue
            heading = label("subtitle")
            heading.setText(self._section_title(state))
            self.rows.addWidget(heading)
            for contact in members:
                self.rows.addWidget(self._row(contact, state))
        if not self.contacts and self.shell.resident is not None:
            empty = label("muted")
            empty.setText(
                self.tr(
                    "No contacts yet. Family and friends appear here "
                    "once the facility approves them."
                )
            )
            self.rows.addWidget(empty)
        self.rows.addStretch(1)

    def _row(self, contact: ContactView, state: str) -> QWidget:
        row = card(self.body)
        row.setObjectName(f"contact_{contact.contact_id}")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(16, 8, 8, 8)
        # Rows line up, button or not, and never squeeze one: a button is its min-height
        # plus padding (2 x 6 px) and border (2 x 2 px) in kite.qss, inside the row's
        # margins (2 x 8 px). A lower minimum let the list shrink rows and cut buttons.
        row.setMinimumHeight(current_appearance().px(TOUCH_PX) + 16 + 16)
        text = label()
        line = isolate(contact.display_name)
        if contact.relationship:
            line += " (" + contact.relationship + ")"
        text.setText(line)
        spoken = line + ". " + self._section_title(state)
        if contact.state_reason and state in ("suspended", "pending"):
            # The facility's words, as plain text (never rich text: they are not ours).
            why = self.tr("Reason: {reason}").format(reason=contact.state_reason)
            text.setText(line + "\n" + why)
            spoken += ". " + why
        layout.addWidget(text, 1)
        row.setAccessibleName(spoken)
        if state == "approved":
            write = button("primary", "compose", row)
            write.setObjectName(f"write_{contact.contact_id}")
            name(
                write,
                self.tr("Write"),
                self.tr("Open your conversation with {name} and write to them").format(
                    name=isolate(contact.display_name)
                ),
            )
            write.clicked.connect(
                lambda _=False, c=contact: self.shell.show_screen("conversation", contact=c)
            )
            layout.addWidget(write)
            action = button(None, "block", row)
            action.setObjectName(f"block_{contact.contact_id}")
            name(
                action,
                self.tr("Block"),
                self.tr("Stop messages to and from {name}").format(
                    name=isolate(contact.display_name)
                ),
            )
            action.clicked.connect(lambda _=False, c=contact: self.ask_block(c))
            layout.addWidget(action)
        elif state == "blocked":
            action = button(None, "check", row)
            action.setObjectName(f"unblock_{contact.contact_id}")
            name(
                action,
                self.tr("Unblock"),
                self.tr("Allow messages with {name} again").format(
                    name=isolate(contact.display_name)
                ),
            )
            action.clicked.connect(lambda _=False, c=contact: self._set_blocked(c, False))
            layout.addWidget(action)
        self.row_widgets[contact.contact_id] = row
        return row

    def ask_block(self, contact: ContactView) -> None:
        self.confirm.ask(
            self.tr("Block {name}?").format(name=isolate(contact.display_name)),
            self.tr(
                "You will not get their messages and cannot write to them until you unblock them."
            ),
            self.tr("Block"),
            self.tr("Cancel"),
            lambda: self._set_blocked(contact, True),
            danger=True,
        )

    def _set_blocked(self, contact: ContactView, blocked: bool) -> None:
        core = self.context.core
        if core is None:
            return
        contact_id = contact.contact_id
        work = (
            (lambda: core.block_contact(contact_id))
            if blocked
            else (lambda: core.unblock_contact(contact_id))
        )
        # The contacts change notice that follows reloads this screen.
        self.context.tasks.run(work, on_refusal=self._refused, owner=self)
