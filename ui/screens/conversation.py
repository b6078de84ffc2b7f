"""One conversation: oldest to newest, opened at the newest; older ones load as you scroll up.

Each reply shows its status timeline with times and, if rejected, the reason;
markers show photos or other media and a return stamp. A message can be
deleted (hidden) after confirmation. Unread messages are marked read as they
are shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QListView, QVBoxLayout, QWidget

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui.announcer import announce
from ui.formatting import isolate
from ui.models.paged import PagedMessageModel
from ui.refusals import describe, describe_reason
from ui.statuses import status_name
from ui.widgets.base import Navigator, Screen, button, label, name, tab_chain
from ui.widgets.confirm import ConfirmPanel
from ui.widgets.delegates import MessageDelegate

if TYPE_CHECKING:
    from kiosk.views import ContactView, MessageView
    from ui.context import Context

PAGE = 100
MARK_READ_DELAY_MS = 700


class ConversationScreen(Screen):
    """A thread with one contact."""

    shows = Changes.MESSAGES

    def __init__(self, context: Context, shell: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversation")
        self.context = context
        self.shell = shell
        self.contact: ContactView | None = None
        root = QVBoxLayout(self)
        root.setContentsMargins(24, 12, 24, 12)
        root.setSpacing(10)
        head = QHBoxLayout()
        self.back_button = button(None, "back", self)
        self.back_button.setObjectName("conversation_back")
        self.back_button.clicked.connect(lambda: self.shell.show_screen("inbox"))
        self.title = label("title")
        self.title.setObjectName("conversation_title")
        self.reply_button = button("primary", "compose", self)
        self.reply_button.setObjectName("reply")
        self.reply_button.clicked.connect(self.reply)
        self.delete_button = button(None, "trash", self)
        self.delete_button.setObjectName("delete_message")
        self.delete_button.clicked.connect(self.ask_delete)
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        head.addWidget(self.delete_button)
        head.addWidget(self.reply_button)
        root.addLayout(head)
        tab_chain(self.back_button, self.delete_button, self.reply_button)  # as on screen
        self.notice = label("notice")
        self.notice.setObjectName("conversation_notice")
        self.notice.hide()
        root.addWidget(self.notice)
        self.confirm = ConfirmPanel(self)
        root.addWidget(self.confirm)

        self.model = PagedMessageModel(context.tasks, self.describe_message, PAGE, self)
        self.model.loaded.connect(self._loaded)
        self.model.merged.connect(self._merged)
        self.model.failed.connect(self._failed)
        # Where the row at the top was before an older page went in above it (message id,
        # pixels above the viewport), so the resident's place does not jump.
        self._anchor: tuple[int, int] | None = None
        self._statuses: dict[int, str] = {}  # each reply's status, to tell when one moves on
        self._stick_to_bottom = True
        self.delegate = MessageDelegate(self, now=context.now)
        self.list = QListView(self)
        self.list.setObjectName("message_list")
        self.list.setModel(self.model)
        self.list.setItemDelegate(self.delegate)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._update_actions())
        self.list.verticalScrollBar().valueChanged.connect(self._scrolled)
        root.addWidget(self.list, 1)
        self.empty = label("muted")
        self.empty.setObjectName("conversation_empty")
        self.empty.hide()
        root.addWidget(self.empty)
        self._read_timer = QTimer(self)
        self._read_timer.setSingleShot(True)
        self._read_timer.setInterval(MARK_READ_DELAY_MS)
        self._read_timer.timeout.connect(self._mark_shown_read)
        self.error = label("error")
        self.error.setObjectName("conversation_error")
        self.error.hide()
        root.addWidget(self.error)
        self.retranslate()

    # -- Screen ------------------------------------------------------------------
    def retranslate(self) -> None:
        name(self.back_button, self.tr("Back"), self.tr("Back to your conversations"))
        self._name_reply_button()
        name(self.delete_button, self.tr("Delete"), self.tr("Delete the chosen message"))
        self.list.setAccessibleName(self.tr("Messages, oldest first, newest at the bottom"))
        self._update_actions()

    def _name_reply_button(self) -> None:
        selected = self._selected()
        if selected is not None and str(selected.status) == "rejected":
            name(
                self.reply_button,
                self.tr("Revise and send again"),
                self.tr("Open the text of this rejected reply as a draft to change and send"),
            )
        elif self.model.rowCount() == 0 and not self.model.loading:
            name(self.reply_button, self.tr("Write"), self.tr("Write the first message"))
        else:
            name(self.reply_button, self.tr("Reply"), self.tr("Write a reply in this conversation"))

    def clear(self) -> None:
        self._read_timer.stop()
        self._statuses = {}
        self.empty.hide()
        self.contact = None
        self.model.clear()
        self.delegate.clear_cache()
        self.title.clear()
        self.notice.hide()
        self.error.hide()
        self.confirm.dismiss()

    def open(self, contact: ContactView | None = None, at_newest: bool = False) -> None:
        """Show ``contact``'s thread at its newest; back to the same one, where it was left
        (``at_newest``: at the bottom all the same, e.g. after sending a reply)."""
        self._anchor = None
        if contact is not None and (
            self.contact is None or contact.contact_id != self.contact.contact_id
        ):
            self.contact = contact
            self.title.setText(isolate(contact.display_name))
            self.title.setAccessibleName(isolate(contact.display_name))
            self.delegate.clear_cache()
            core = self.context.core
            assert core is not None
            contact_id = contact.contact_id
            self._stick_to_bottom = True
            self.model.load(lambda before, limit: core.thread_page(contact_id, before, limit))
            self.confirm.dismiss()
        else:
            self.refresh()
            self._stick_to_bottom = self._stick_to_bottom or at_newest
        self._update_actions()
        self.list.setFocus()

    def first_focus(self) -> QWidget | None:
        return self.list  # the messages, the newest chosen

    def refresh(self) -> None:
        if self.contact is not None:
            self._stick_to_bottom = self._at_bottom()
            self.model.refresh()

    # -- scrolling: older pages above, the newest at the bottom ------------------
    def _at_bottom(self) -> bool:
        bar = self.list.verticalScrollBar()
        return bar.value() >= bar.maximum()

    def _scrolled(self, value: int) -> None:
        if value <= self.list.verticalScrollBar().minimum():
            self._load_older()

    def top_index(self) -> QModelIndex:
        """The row at the top of the view (rows are spaced: the first pixels may be a gap)."""
        for y in range(0, 2 * self.list.spacing() + 2):
            index = self.list.indexAt(QPoint(self.list.viewport().width() // 2, y))
            if index.isValid():
                return index
        return QModelIndex()

    def _load_older(self) -> None:
        if not self.model.can_fetch_older():
            return
        top = self.top_index()
        if top.isValid():
            self._anchor = (self.model.item(top.row()).message_id, self.list.visualRect(top).top())
        self.model.fetch_older()

    def _keep_place(self) -> None:
        anchor, self._anchor = self._anchor, None
        if anchor is None:
            return
        message_id, offset = anchor
        row = next((r for r, m in enumerate(self.model.items()) if m.message_id == message_id), -1)
        if row < 0:
            return
        self.list.scrollTo(self.model.index(row), QAbstractItemView.ScrollHint.PositionAtTop)
        bar = self.list.verticalScrollBar()
        bar.blockSignals(True)  # the restored place is not a new scroll to the top
        bar.setValue(bar.value() - offset)
        bar.blockSignals(False)

    # -- behaviour ---------------------------------------------------------------
    def _selected(self) -> MessageView | None:
        row = self.list.currentIndex().row()
        return self.model.item(row) if 0 <= row < self.model.rowCount() else None

    def _update_actions(self) -> None:
        contact = self.contact
        state = str(contact.state) if contact is not None else ""
        can_write = state == "approved"
        self.reply_button.setEnabled(can_write)
        self.delete_button.setEnabled(self._selected() is not None)
        self._name_reply_button()
        nothing = self.model.rowCount() == 0 and not self.model.loading and contact is not None
        self.empty.setVisible(nothing)
        if nothing and contact is not None:
            self.empty.setText(
                self.tr("No messages with {name} yet.").format(name=isolate(contact.display_name))
                + (" " + self.tr("Tap Write to send the first one.") if can_write else "")
            )
        reasons = {
            "blocked": self.tr("You blocked this contact. Unblock them in Contacts to reply."),
            "pending": self.tr(
                "This contact is waiting for approval. You can reply once approved."
            ),
            "suspended": self.tr(
                "The facility has suspended this contact. You can read but not reply."
            ),
        }
        text = reasons.get(state, "")
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        if text:
            self.reply_button.setAccessibleDescription(text)

    def _loaded(self, first: bool) -> None:
        self._announce_statuses(first)
        count = self.model.rowCount()
        if first:
            # Opened at the newest, the newest chosen (Reply answers it).
            self.list.scrollToBottom()
            if count > 0:
                self.list.selectionModel().setCurrentIndex(
                    self.model.index(count - 1), QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
        else:
            self._keep_place()
        bar = self.list.verticalScrollBar()
        if bar.maximum() <= bar.minimum():
            self._load_older()  # the screen is not full yet
        self._update_actions()
        self._mark_read()

    def _merged(self, added_at_bottom: int) -> None:
        self._announce_statuses(False)
        if added_at_bottom and self._stick_to_bottom:
            self.list.scrollToBottom()
        self._update_actions()
        if added_at_bottom:
            self._mark_read()

    def _announce_statuses(self, first: bool) -> None:
        """Say when a reply on screen moved on (sent, delivered, rejected...), once."""
        statuses = {m.message_id: str(m.status) for m in self.model.items() if m.status is not None}
        if not first:
            for message_id, status in statuses.items():
                before = self._statuses.get(message_id)
                if before is not None and before != status:
                    announce(
                        self,
                        self.tr("Your reply is now: {status}").format(status=status_name(status)),
                        assertive=status == "rejected",
                    )
        self._statuses = statuses

    def _mark_read(self) -> None:
        # Marked once the resident has had the page in front of them for a moment, and
        # not between the pages of a fast scroll (the batch is one durable write).
        self._read_timer.start()

    def _mark_shown_read(self) -> None:
        core = self.context.core
        unread = [
            m.message_id
            for m in self.model.items()
            if m.direction == "inbound" and m.read_at is None
        ]
        if core is None or not unread:
            return

        self.context.tasks.run(
            lambda: core.mark_read_many(unread),
            on_refusal=lambda _r: None,
            owner=self,
        )

    def _failed(self, error: BaseException) -> None:
        text = (
            describe(error, self.context.now())
            if isinstance(error, Refusal)
            else str(self.tr("These messages could not be loaded. Try again."))
        )
        self.error.setText(text)
        self.error.show()

    def reply(self) -> None:
        """Reply on the chosen row: its own draft, if it has one; a rejected reply opens the
        draft its text came back as (Revise and send again)."""
        if self.contact is None:
            return
        selected = self._selected()
        core = self.context.core
        if selected is not None and str(selected.status) == "rejected" and core is not None:
            rejected, contact = selected.message_id, self.contact

            def returned() -> int | None:
                return next(
                    (d.draft_id for d in core.drafts() if d.rejected_message_id == rejected),
                    None,
                )

            def revise(draft_id: int | None) -> None:
                if draft_id is None:  # sent again or deleted since: a reply as any other
                    self._reply_to_newest(contact)
                else:
                    self.shell.show_screen(
                        "compose",
                        contact=contact,
                        in_reply_to=selected.in_reply_to,
                        draft_id=draft_id,
                    )

            self.context.tasks.run(returned, revise, owner=self)
            return
        if selected is not None and selected.direction == "inbound":
            self.shell.show_screen("compose", contact=self.contact, in_reply_to=selected.message_id)
        else:
            self._reply_to_newest(self.contact)

    def _reply_to_newest(self, contact: ContactView) -> None:
        newest_inbound = next(
            (m for m in reversed(self.model.items()) if m.direction == "inbound"), None
        )
        in_reply_to = newest_inbound.message_id if newest_inbound is not None else None
        self.shell.show_screen("compose", contact=contact, in_reply_to=in_reply_to)

    def ask_delete(self) -> None:
        message = self._selected()
        if message is None:
            return
        self.confirm.ask(
            self.tr("Delete this message?"),
            self.tr(
                "It disappears from your messages on this terminal. This cannot be undone here."
            ),
            self.tr("Delete"),
            self.tr("Keep it"),
            lambda: self._delete(message.message_id),
            danger=True,
        )

    def _delete(self, message_id: int) -> None:
        core = self.context.core
        if core is None:
            return
        self.context.tasks.run(
            lambda: core.hide_message(message_id),
            on_refusal=lambda r: self._failed(r),
            owner=self,
        )

    def describe_message(self, message: MessageView) -> str:
        """What a screen reader says for a message."""
        who = (
            self.tr("You")
            if message.direction == "outbound"
            else (isolate(self.contact.display_name) if self.contact else "")
        )
        # Everything the bubble shows, in its order: markers, text, time, status and timeline.
        markers, time, steps = self.delegate.read_aloud(message)
        parts = [who, *markers, isolate(message.body), time]
        if message.status is not None:
            parts.append(status_name(message.status))
        if message.status_reason and not steps:
            parts.append(describe_reason(message.status_reason))
        parts.extend(steps)
        return ". ".join(p.rstrip(".") for p in parts if p)
