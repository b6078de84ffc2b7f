"""Drafts: every unfinished message on this terminal, each one reachable and deletable.

One card per draft, most recently touched first: who it is to, when it was last
changed, its opening words, and where it came from (typed, kept at the end of a
session, or the text of a rejected reply with the facility's reason). Open (or
"Revise and send again" for a rejected reply's text) continues that very draft
in compose; Delete asks first. The inbox shows how many there are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui.formatting import isolate, when
from ui.refusals import describe, describe_reason
from ui.widgets.base import Navigator, Screen, button, card, label, name
from ui.widgets.card_list import CardList
from ui.widgets.confirm import ConfirmPanel
from ui.widgets.delegates import one_line

if TYPE_CHECKING:
    from kiosk.views import ContactView, DraftView, MessageView
    from ui.context import Context

SNIPPET_CHARS = 160

DraftsLoad = tuple[
    tuple["DraftView", ...], tuple["ContactView", ...], dict[int, "MessageView | None"]
]


class DraftsScreen(Screen):
    """The resident's drafts, to finish or throw away."""

    shows = Changes.MESSAGES | Changes.CONTACTS

    def __init__(self, context: Context, shell: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drafts")
        self.context = context
        self.shell = shell
        self.drafts: tuple[DraftView, ...] = ()
        self.contacts: dict[str, ContactView] = {}
        self.rejected: dict[int, MessageView | None] = {}
        self.cards: dict[int, QWidget] = {}
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 12, 24, 12)
        root.setSpacing(10)
        head = QHBoxLayout()
        self.back_button = button(None, "back", self)
        self.back_button.setObjectName("drafts_back")
        self.back_button.clicked.connect(lambda: self.shell.show_screen("inbox"))
        self.title = label("title")
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        root.addLayout(head)
        self.confirm = ConfirmPanel(self)
        root.addWidget(self.confirm)
        self.error = label("error")
        self.error.hide()
        root.addWidget(self.error)
        self.scroll_area = CardList(self)
        self.scroll_area.setObjectName("draft_list")
        self.body, self.rows = self.scroll_area.body, self.scroll_area.rows
        root.addWidget(self.scroll_area, 1)
        self.retranslate()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.scroll_area.setFocus(Qt.FocusReason.OtherFocusReason)

    def first_focus(self) -> QWidget | None:
        return self.scroll_area

    def retranslate(self) -> None:
        self.title.setText(self.tr("Drafts"))
        name(self.back_button, self.tr("Back"), self.tr("Back to your conversations"))
        self.scroll_area.setAccessibleName(self.tr("Your unfinished messages"))
        self._show()

    def clear(self) -> None:
        self.drafts, self.contacts, self.rejected = (), {}, {}
        self.confirm.dismiss()
        self.error.hide()
        self._show()

    def refresh(self) -> None:
        core = self.context.core
        if core is None or self.shell.resident is None:
            return

        def load() -> DraftsLoad:
            drafts = core.drafts()
            rejected: dict[int, MessageView | None] = {}
            for d in drafts:
                if d.rejected_message_id is not None:
                    try:
                        rejected[d.rejected_message_id] = core.message(d.rejected_message_id)
                    except Refusal:
                        rejected[d.rejected_message_id] = None  # hidden or gone since
            return drafts, core.contacts(), rejected

        self.context.tasks.run(load, self._loaded, on_refusal=self._refused, owner=self)

    def _loaded(self, loaded: DraftsLoad) -> None:
        if self.shell.resident is None:
            return
        drafts, contacts, self.rejected = loaded
        self.drafts = tuple(drafts)
        self.contacts = {c.contact_id: c for c in contacts}
        self.error.hide()
        self._show()

    def _refused(self, refusal: Refusal) -> None:
        self.error.setText(describe(refusal, self.context.now()))
        self.error.show()

    def _show(self) -> None:
        self.scroll_area.clear()
        self.cards = {}
        for draft in self.drafts:
            self.rows.addWidget(self._card(draft))
        if not self.drafts and self.shell.resident is not None:
            empty = label("muted")
            empty.setObjectName("drafts_empty")
            empty.setText(self.tr("No drafts. Anything you start writing is kept here."))
            self.rows.addWidget(empty)
        self.rows.addStretch(1)

    def _card(self, draft: DraftView) -> QWidget:
        contact = self.contacts.get(draft.contact_id)
        who = isolate(contact.display_name) if contact is not None else ""
        box = card(self.body)
        box.setObjectName(f"draft_{draft.draft_id}")
        row = QHBoxLayout(box)
        row.setContentsMargins(16, 8, 8, 8)
        text = label()
        lines = [
            self.tr("To {name}, changed {time}").format(
                name=who, time=when(draft.updated_at, self.context.now())
            ),
            isolate(one_line(draft.body)[:SNIPPET_CHARS]),
        ]
        origin = self._origin(draft)
        if origin:
            lines.append(origin)
        text.setText("\n".join(lines))
        row.addWidget(text, 1)
        box.setAccessibleName(". ".join(lines))
        rejected = draft.origin == "rejected"
        opener = button("primary", "compose", box)
        opener.setObjectName(f"open_draft_{draft.draft_id}")
        if rejected:
            name(
                opener,
                self.tr("Revise and send again"),
                self.tr("Change this rejected text and send it again"),
            )
        else:
            name(opener, self.tr("Open"), self.tr("Continue writing this message"))
        opener.clicked.connect(lambda _=False, d=draft: self.open_draft(d))
        opener.setEnabled(contact is not None)
        delete = button(None, "trash", box)
        delete.setObjectName(f"delete_draft_{draft.draft_id}")
        name(delete, self.tr("Delete"), self.tr("Throw this draft away"))
        delete.clicked.connect(lambda _=False, d=draft: self.ask_delete(d))
        row.addWidget(opener)
        row.addWidget(delete)
        self.cards[draft.draft_id] = box
        return box

    def _origin(self, draft: DraftView) -> str:
        if draft.origin == "rejected":
            text = self.tr("Returned: the facility rejected this reply.")
            message = self.rejected.get(draft.rejected_message_id or -1)
            if message is not None and message.status_reason:
                text += " " + self.tr("Reason: {reason}").format(
                    reason=describe_reason(message.status_reason)
                )
            return text
        if draft.origin == "session_end":
            return self.tr("Kept when a session ended.")
        return ""

    def open_draft(self, draft: DraftView) -> None:
        contact = self.contacts.get(draft.contact_id)
        if contact is not None:
            self.shell.show_screen(
                "compose", contact=contact, in_reply_to=draft.in_reply_to, draft_id=draft.draft_id
            )

    def ask_delete(self, draft: DraftView) -> None:
        self.confirm.ask(
            self.tr("Delete this draft?"),
            self.tr("Its text is thrown away. This cannot be undone."),
            self.tr("Delete"),
            self.tr("Keep it"),
            lambda: self._delete(draft.draft_id),
            danger=True,
        )

    def _delete(self, draft_id: int) -> None:
        core = self.context.core
        if core is None:
            return
        # The messages change notice that follows reloads this list (and the inbox count).
        self.context.tasks.run(
            lambda: core.delete_draft(draft_id), on_refusal=self._refused, owner=self
        )
