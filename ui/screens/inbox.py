"""Inbox: conversations by contact, newest first, with unread counts and reply statuses.

A globe switches the language (``ui.language_switch``); "?" opens help; "New message" writes
to any approved contact; "Drafts" (with their count) opens
the drafts list. When the resident may not send (a restriction with its end
date and reason, or messaging paused) a notice says so above the list. A
banner announces messages that arrived while the resident was here; the sync
line says whether replies are still waiting to go out. Tapping a conversation
opens it. At a resident's first sign-in on this terminal the notice of review
and retention (``ui.account_notice``) sits above the list until they tap
"I understand". The list reloads when shown, and while shown on a
change notice of messages or contacts (a reply sent, a sync round that brought
news); the sync line's waiting counts follow the sync status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QCoreApplication, QEvent, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QListView, QVBoxLayout, QWidget

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui.account_notice import NoticePanel
from ui.announcer import announce
from ui.formatting import isolate, when
from ui.language_switch import LanguageSwitch
from ui.models.conversations import ConversationModel
from ui.refusals import describe
from ui.restrictions import sending_notice
from ui.statuses import status_name
from ui.sync_status import describe_sync
from ui.widgets.base import Navigator, Screen, button, card, label, name, restyle
from ui.widgets.delegates import ConversationDelegate, one_line

if TYPE_CHECKING:
    from kiosk.views import (
        AccountNotice,
        ConversationView,
        FacilityStatus,
        ResidentView,
        WaitingToSend,
    )
    from sync.status import SyncStatus
    from ui.context import Context


# What can change the header's widths without a resize.
_REFLOW = (QEvent.Type.LanguageChange, QEvent.Type.StyleChange, QEvent.Type.FontChange)


class InboxLoad(NamedTuple):
    """What the inbox reads in one background task."""

    rows: tuple[ConversationView, ...]
    waiting: WaitingToSend
    drafts: int
    resident: ResidentView
    status: FacilityStatus
    notice: AccountNotice


class InboxScreen(Screen):
    """The resident's conversations."""

    shows = Changes.MESSAGES | Changes.CONTACTS | Changes.POLICY

    opened = Signal(str)  # contact_id

    def __init__(self, context: Context, shell: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inbox")
        self.context = context
        self.shell = shell
        self._seen: dict[str, int] | None = None  # contact_id -> newest message id seen
        self._sync: SyncStatus | None = None  # the sync worker's last status
        self._sync_announced: str | None = None  # the sync state last told to a screen reader
        self._waiting: WaitingToSend | None = None  # the resident's queue
        root = self._root = QVBoxLayout(self)
        root.setContentsMargins(24, 16, 24, 16)
        root.setSpacing(12)
        self.title = label("title", wrap=False)
        self.drafts_button = button(None, "draft", self)
        self.drafts_button.setObjectName("open_drafts")
        self.drafts_button.clicked.connect(lambda: self.shell.show_screen("drafts"))
        self.drafts_button.hide()
        self.new_button = button("primary", "compose", self)
        self.new_button.setObjectName("new_message")
        self.new_button.clicked.connect(lambda: self.shell.show_screen("new_message"))
        self.help_button = button(None, "help", self)
        self.help_button.setObjectName("open_help")
        self.help_button.clicked.connect(lambda: self.shell.show_screen("help"))
        self._drafts = 0
        self._notice_done = False  # acknowledged in this session (the core keeps it too)
        # A row of its own, wrapping: offline with replies and purchases waiting, in
        # Spanish at large text, it is longer than the screen is wide.
        self.sync_line = label("badge", wrap=True)
        self.sync_line.setObjectName("inbox_sync")
        self.sync_line.hide()
        self.language_switch = LanguageSwitch(context, shell, self)
        self.language_button = self.language_switch.button
        # The header: title, language, help, then Drafts and New message on the same row
        # when they fit, else on a row of their own (portrait, large text, Spanish).
        self.header_row = QHBoxLayout()
        self.header_row.addWidget(self.title, 1)
        self.header_row.addWidget(self.language_button)
        self.header_row.addWidget(self.help_button)
        self.action_row = QHBoxLayout()
        self.action_row.addStretch(1)
        root.addLayout(self.header_row)
        root.addLayout(self.action_row)
        self._actions_below: bool | None = None  # not placed yet
        self._arrange_header()
        root.addWidget(self.sync_line)
        self.account_notice = NoticePanel(self)
        self.account_notice.acknowledged.connect(self._acknowledge_notice)
        root.addWidget(self.account_notice)
        self.notice = label("notice")
        self.notice.setObjectName("inbox_notice")
        self.notice.hide()
        root.addWidget(self.notice)

        self.banner = card(self, "banner")
        self.banner.setObjectName("arrivals_banner")
        banner_row = QHBoxLayout(self.banner)
        banner_row.setContentsMargins(16, 8, 8, 8)
        self.banner_text = label()
        self.banner_text.setObjectName("arrivals_text")
        self.banner_dismiss = button(None, "check", self.banner)
        self.banner_dismiss.setObjectName("arrivals_dismiss")
        self.banner_dismiss.clicked.connect(self.banner.hide)
        banner_row.addWidget(self.banner_text, 1)
        banner_row.addWidget(self.banner_dismiss)
        self.banner.hide()
        root.addWidget(self.banner)

        self.model = ConversationModel(self.describe_row, self)
        self.list = QListView(self)
        self.list.setObjectName("conversation_list")
        self.list.setModel(self.model)
        self.list.setItemDelegate(ConversationDelegate(self.list, now=context.now))
        self.list.setUniformItemSizes(True)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.activated.connect(self._open_index)
        self.list.clicked.connect(self._open_index)
        root.addWidget(self.list, 1)
        self.empty = label("muted")
        self.empty.setObjectName("inbox_empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        root.addWidget(self.empty)
        self.error = label("error")
        self.error.hide()
        root.addWidget(self.error)

        self.retranslate()

    # -- Screen ------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Messages"))
        self.list.setAccessibleName(self.tr("Conversations"))
        self.list.setAccessibleDescription(self.tr("Choose a conversation to read it"))
        self.empty.setText(
            self.tr("No messages yet. New messages appear here. Tap New message to write first.")
        )
        name(self.new_button, self.tr("New message"), self.tr("Write to one of your contacts"))
        name(
            self.help_button,
            self.tr("Help"),
            self.tr("How messages, stamps and collect replies work"),
            visible=False,
        )
        self.help_button.setToolTip(self.help_button.accessibleName())
        self._show_drafts_count()
        name(self.banner_dismiss, self.tr("OK"), self.tr("Hide this notice"))
        self.model.layoutChanged.emit()
        self._show_sync_line()

    def _arrange_header(self) -> None:
        """Drafts and New message beside the title if the row has room, else below it."""
        shown = [self.title, self.language_button, self.help_button, self.new_button]
        shown += [self.drafts_button] * (self._drafts > 0)
        margins = self._root.contentsMargins()
        spacing = max(self.header_row.spacing(), 0)
        needed = sum(w.sizeHint().width() for w in shown) + spacing * (len(shown) - 1)
        below = needed + margins.left() + margins.right() > self.width()
        if below == self._actions_below:
            return
        self._actions_below = below
        target = self.action_row if below else self.header_row
        for widget in (self.drafts_button, self.new_button):
            target.addWidget(widget)  # moves it out of the other row

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange_header()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)  # a new language or text size changes what fits
        if event.type() in _REFLOW:
            self._arrange_header()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._arrange_header()

    def first_focus(self) -> QWidget | None:
        # The conversations first, as before the header had buttons (a focused button's
        # thicker border would also want more room than the header gave it).
        return self.list

    def clear(self) -> None:
        self.model.clear()
        self._seen = None
        self._waiting = None
        self._show_sync_line()
        self.banner.hide()
        self.banner_text.clear()
        self.error.hide()
        self.notice.hide()
        self.notice.clear()
        self.account_notice.forget()
        self._notice_done = False
        self._sync_announced = None
        self._drafts = 0
        self._show_drafts_count()

    def refresh(self) -> None:
        core = self.context.core
        if core is None or self.shell.resident is None:
            return

        def load() -> InboxLoad:
            return InboxLoad(
                core.conversations(),
                core.waiting_to_send(),
                len(core.drafts()),
                core.resident(),
                core.facility_status(),
                core.account_notice(),
            )

        self.context.tasks.run(load, self._show, on_refusal=self._refused, owner=self)

    def _show_drafts_count(self) -> None:
        count = self._drafts
        self.drafts_button.setVisible(count > 0)
        name(
            self.drafts_button,
            self.tr("Drafts (%n)", "", count),
            self.tr("%n unfinished messages: open, finish or delete them", "", count),
        )
        self._arrange_header()

    # -- behaviour ---------------------------------------------------------------
    def _show(self, loaded: InboxLoad) -> None:
        if self.shell.resident is None:
            return  # the session ended while this was loading
        rows, self._waiting, self._drafts = loaded.rows, loaded.waiting, loaded.drafts
        self._show_drafts_count()
        notice = sending_notice(loaded.resident, loaded.status, self.context.now())
        self.notice.setText(notice)
        self.notice.setAccessibleName(notice)
        self.notice.setVisible(bool(notice))
        if not loaded.notice.seen and not self._notice_done:
            self.account_notice.present(loaded.notice)
        self._show_sync_line()
        self.error.hide()
        self._announce(rows)
        current = self.list.currentIndex().row()
        self.model.set_rows(rows)
        if 0 <= current < len(rows):
            self.list.setCurrentIndex(self.model.index(current))
        elif rows:
            # A keyboard always has a conversation to open: Tab to the list, then Enter.
            # (Reloading the model left no current row, so Enter did nothing until an
            # arrow key.) Current, not selected: nothing changes on screen.
            self.list.selectionModel().setCurrentIndex(
                self.model.index(0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        self.empty.setVisible(not rows)

    def _announce(self, rows: tuple[ConversationView, ...]) -> None:
        newest = {
            r.contact.contact_id: r.last_message.message_id
            for r in rows
            if r.last_message is not None
        }
        if self._seen is not None:
            arrived = [
                isolate(r.contact.display_name)
                for r in rows
                if r.last_message is not None
                and r.last_message.direction == "inbound"
                and newest[r.contact.contact_id] != self._seen.get(r.contact.contact_id)
            ]
            if arrived:
                text = self.tr("New message from {names}").format(names=", ".join(arrived))
                self.banner_text.setText(text)
                self.banner.setAccessibleName(text)
                self.banner.show()
                announce(self, text)
        self._seen = newest

    def _acknowledge_notice(self) -> None:
        self._notice_done = True
        core = self.context.core
        if core is not None and self.shell.resident is not None:
            self.context.tasks.run(
                core.acknowledge_notice,
                on_refusal=lambda _r: None,  # an ended session: the sign-out says so
                owner=self,
            )

    def _refused(self, refusal: Refusal) -> None:
        self.error.setText(describe(refusal, self.context.now()))
        self.error.show()

    def _open_index(self, index: QModelIndex) -> None:
        row = self.model.row(index.row())
        if row is not None:
            self.banner.hide()
            self.shell.show_screen("conversation", contact=row.contact)
            self.opened.emit(row.contact.contact_id)

    def show_sync_status(self, status: SyncStatus | None) -> None:
        """The sync worker's latest status (``None`` before the first one).

        When the outbox moved (an item went out, or failed), the resident's own
        waiting counts are read again; the conversations wait for a change notice.
        """
        before, self._sync = self._sync, status
        self._show_sync_line()
        moved = (
            before is None
            or status is None
            or (before.items_waiting, before.items_failed)
            != (status.items_waiting, status.items_failed)
        )
        core = self.context.core
        if moved and core is not None and self.shell.resident is not None and self.isVisible():
            self.context.tasks.run(core.waiting_to_send, self._show_waiting, owner=self)

    def _show_waiting(self, waiting: WaitingToSend) -> None:
        if self.shell.resident is not None:
            self._waiting = waiting
            self._show_sync_line()

    def _show_sync_line(self) -> None:
        if self._sync is None:
            self.sync_line.hide()
            return
        text, tone = describe_sync(self._sync, self.context.now(), self._waiting)
        state = self._sync.state
        if state != self._sync_announced and text and self.isVisible():
            self._sync_announced = state  # once per state ("Up to date", offline), not per count
            announce(self, text)
        self.sync_line.setText(text)
        self.sync_line.setAccessibleName(text)
        self.sync_line.setProperty("tone", tone)
        self.sync_line.setVisible(bool(text))
        restyle(self.sync_line)

    def describe_row(self, row: ConversationView) -> str:
        """The sentence a screen reader says for a conversation row."""
        parts = [isolate(row.contact.display_name)]
        if row.unread:
            parts.append(self.tr("%n unread messages", "", row.unread))
        last = row.last_message
        if last is not None:
            if last.status is not None:
                parts.append(status_name(last.status))
            preview = isolate(one_line(last.body))
            if last.direction == "outbound":  # as the row shows it
                preview = QCoreApplication.translate("ConversationDelegate", "You: {text}").format(
                    text=preview
                )
            parts.append(preview)
            parts.append(when(last.sort_at, self.context.now()))
        return ". ".join(parts)
