"""Compose a reply or a new message: the text, a counter, and how it will be paid, before Send.

The payment line comes from ``Core.quote``: as the resident types (debounced),
each time the screen is shown, and whenever a change notice says stamps,
policy, contacts or messages changed (a purchase confirmed, a contact
suspended, the answered message's return stamp used): never a timer. It says
the return stamp of the message answered, the resident's own stamps, or
collect (the recipient pays). When nothing can pay, Send is disabled and the
reason says why; only the newest quote asked for is shown. Text is saved as a
draft while typing, on leaving the screen and at session end, so nothing typed
is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QTimer
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui.announcer import announce
from ui.formatting import isolate
from ui.refusals import describe, describe_error
from ui.statuses import payment_line
from ui.theme import TOUCH_PX
from ui.widgets.base import Navigator, Screen, button, label, name
from ui.widgets.bounded_edit import BoundedTextEdit
from ui.widgets.keyboard import OnScreenKeyboard

if TYPE_CHECKING:
    from kiosk.views import ContactView, DraftInput, DraftView, Quote, SentReply
    from ui.context import Context

QUOTE_DELAY_MS = 300
DRAFT_DELAY_MS = 2000


class ComposeScreen(Screen):
    """Writing one reply to one contact."""

    shows = Changes.STAMPS | Changes.POLICY | Changes.CONTACTS | Changes.MESSAGES

    def __init__(self, context: Context, shell: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compose")
        self.context = context
        self.shell = shell
        self.contact: ContactView | None = None
        self.in_reply_to: int | None = None
        self.draft_id: int | None = None
        self.quote: Quote | None = None
        self.max_chars = 30_000
        self._sending = False
        self._saved_body = ""
        self._balance = 0
        self._refusal: Refusal | None = None
        self._quote_asked = 0  # the newest quote asked for; older answers are dropped

        root = QVBoxLayout(self)
        root.setContentsMargins(24, 12, 24, 12)
        root.setSpacing(10)
        head = QHBoxLayout()
        self.back_button = button(None, "back", self)
        self.back_button.setObjectName("compose_back")
        self.back_button.clicked.connect(self.leave)
        self.title = label("title")
        self.keyboard_button = button(None, "keyboard", self, checkable=True)
        self.keyboard_button.setObjectName("toggle_keyboard")
        self.keyboard_button.toggled.connect(self._toggle_keyboard)
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        head.addWidget(self.keyboard_button)
        root.addLayout(head)

        self.editor = BoundedTextEdit(self.max_chars, self)
        self.editor.setObjectName("reply_text")
        self.editor.setTabChangesFocus(True)
        self.editor.textChanged.connect(self._text_changed)
        self.editor.setMinimumHeight(TOUCH_PX * 2)
        root.addWidget(self.editor, 1)

        info = QHBoxLayout()
        self.counter = label("muted", wrap=False)
        self.counter.setObjectName("char_counter")
        self.payment = label("info")
        self.payment.setObjectName("payment_line")
        self.reason = label("error")
        self.reason.setObjectName("send_blocked_reason")
        self.reason.hide()
        info.addWidget(self.payment, 1)
        info.addWidget(self.reason, 1)
        info.addWidget(self.counter)
        self.buy_button = button(None, "stamp", self)
        self.buy_button.setObjectName("compose_buy_stamps")
        self.buy_button.clicked.connect(lambda: self.shell.show_screen("stamps", from_compose=True))
        self.buy_button.hide()
        self.send_button = button("primary", "send", self)
        self.send_button.setObjectName("send")
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self.send)
        info.addWidget(self.buy_button)
        info.addWidget(self.send_button)
        root.addLayout(info)

        self.keyboard = OnScreenKeyboard(context.languages.current, self)
        self.keyboard.target = self.editor
        self.keyboard.hide()
        root.addWidget(self.keyboard)

        self._quote_timer = QTimer(self)
        self._quote_timer.setSingleShot(True)
        self._quote_timer.setInterval(QUOTE_DELAY_MS)
        self._quote_timer.timeout.connect(self.request_quote)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self.retranslate()

    # -- Screen ------------------------------------------------------------------
    def retranslate(self) -> None:
        who = isolate(self.contact.display_name) if self.contact is not None else ""
        if self.in_reply_to is None:
            self.title.setText(self.tr("New message to {name}").format(name=who))
        else:
            self.title.setText(self.tr("Reply to {name}").format(name=who))
        name(
            self.back_button,
            self.tr("Back"),
            self.tr("Back to the conversation; your text is kept"),
        )
        name(
            self.keyboard_button,
            self.tr("Keyboard"),
            self.tr("Show or hide the on-screen keyboard"),
        )
        self.editor.setAccessibleName(self.tr("Your reply"))
        self.editor.setPlaceholderText(self.tr("Write your reply here"))
        name(self.send_button, self.tr("Send"), self.tr("Send this reply"))
        name(self.buy_button, self.tr("Buy stamps"), self.tr("Go to stamps to buy more"))
        self._show_counter()
        self._show_quote()

    def clear(self) -> None:
        self._quote_timer.stop()
        self._draft_timer.stop()
        self.contact = None
        self.in_reply_to = None
        self.draft_id = None
        self.quote = None
        self._refusal = None
        self._balance = 0
        self._saved_body = ""
        self.editor.blockSignals(True)
        self.editor.clear()
        self.editor.blockSignals(False)
        self.editor.document().clearUndoRedoStacks()
        self.reason.hide()
        self.payment.clear()
        self.send_button.setEnabled(False)

    def unfinished(self) -> list[DraftInput]:
        """Text not sent yet, as drafts for ``Core.end_session``."""
        body = self.editor.toPlainText()
        if self.contact is None or not body.strip():
            return []
        from kiosk.views import DraftInput  # not at import: views load the store's models

        return [DraftInput(self.contact.contact_id, body, self.in_reply_to, self.draft_id)]

    def refresh(self) -> None:
        """A change notice of stamps, policy, contacts or messages: quote again."""
        if self.contact is not None and not self._sending:
            self.request_quote()

    def open(
        self,
        contact: ContactView | None = None,
        in_reply_to: int | None = None,
        draft_id: int | None = None,
    ) -> None:
        """Write to ``contact`` (answering ``in_reply_to``, if any), from that target's
        newest draft, or exactly from ``draft_id`` (the drafts list, Revise and send again)."""
        if contact is None or (
            self.contact is not None
            and self.contact.contact_id == contact.contact_id
            and self.in_reply_to == in_reply_to
            and draft_id in (None, self.draft_id)
        ):
            # Back to the message being written (e.g. from buying stamps): what paid for
            # it a minute ago may not now, so quote again.
            self.refresh()
            self.editor.setFocus()
            return
        self.clear()
        self.contact, self.in_reply_to = contact, in_reply_to
        self.keyboard.set_layout(self.context.languages.current)
        show_keyboard = self.context.mode == "kiosk"
        self.keyboard_button.setChecked(show_keyboard)
        self.keyboard.setVisible(show_keyboard)
        self.retranslate()
        core = self.context.core
        if core is None:
            return
        contact_id = contact.contact_id

        def load() -> tuple[DraftView | None, int]:
            def wanted(d: DraftView) -> bool:
                if draft_id is not None:
                    return d.draft_id == draft_id
                return d.contact_id == contact_id and d.in_reply_to == in_reply_to

            draft = next((d for d in core.drafts() if wanted(d)), None)
            return draft, core.policy().max_message_chars

        self.context.tasks.run(load, self._loaded, on_refusal=self._refused, owner=self)
        self.editor.setFocus()

    def first_focus(self) -> QWidget | None:
        return self.editor

    def _loaded(self, loaded: tuple[DraftView | None, int]) -> None:
        draft, self.max_chars = loaded
        self.editor.set_limit(self.max_chars)
        if draft is not None and not self.editor.toPlainText():
            self.draft_id = draft.draft_id
            self._saved_body = draft.body
            self.editor.setPlainText(draft.body)
            cursor = self.editor.textCursor()
            cursor.movePosition(cursor.MoveOperation.End)
            self.editor.setTextCursor(cursor)
        self._show_counter()
        self.request_quote()

    # -- quote -------------------------------------------------------------------
    def _text_changed(self) -> None:
        self._show_counter()
        self.send_button.setEnabled(False)
        self._quote_timer.start()
        self._draft_timer.start()

    def _show_counter(self) -> None:
        count = len(self.editor.toPlainText())
        locale = QLocale()
        text = self.tr("{count} of {limit} characters").format(
            count=locale.toString(count), limit=locale.toString(self.max_chars)
        )
        self.counter.setText(text)
        self.counter.setAccessibleName(text)
        self.counter.setProperty("role", "error" if count > self.max_chars else "muted")
        self.counter.style().unpolish(self.counter)
        self.counter.style().polish(self.counter)

    def request_quote(self) -> None:
        core, contact = self.context.core, self.contact
        if core is None or contact is None:
            return
        text, contact_id, in_reply_to = (
            self.editor.toPlainText(),
            contact.contact_id,
            self.in_reply_to,
        )

        def quote() -> tuple[Quote, int, str]:
            return core.quote(contact_id, in_reply_to, text), core.balances().spendable, text

        self._quote_asked += 1
        asked = self._quote_asked
        self.context.tasks.run(
            quote,
            lambda result: self._quoted(result) if asked == self._quote_asked else None,
            on_refusal=lambda r: self._quote_refused(r) if asked == self._quote_asked else None,
            owner=self,
        )

    def _quoted(self, result: tuple[Quote, int, str]) -> None:
        quote, balance, text = result
        if text != self.editor.toPlainText():
            return  # typed since; a newer quote is on its way
        self.quote = quote
        self._balance = balance
        self.max_chars = quote.max_chars
        self.editor.set_limit(self.max_chars)
        self._refusal = None
        self._show_counter()
        self._show_quote()

    def _quote_refused(self, refusal: Refusal) -> None:
        self.quote = None
        self._refusal = refusal
        self._show_quote()

    def _show_quote(self) -> None:
        refusal = self._refusal
        empty = not self.editor.toPlainText().strip()
        if self.quote is not None and refusal is None:
            contact_name = isolate(self.contact.display_name) if self.contact else ""
            quote = self.quote
            text = payment_line(
                quote.payment, quote.stamps, contact_name, self._balance, quote.cod_price_cents
            )
            self.payment.setText(text)
            self.payment.setAccessibleName(text)
            self.payment.show()
            self.reason.setVisible(empty)
            if empty:
                self.reason.setText(self.tr("Write something before sending."))
            self.send_button.setEnabled(not empty and not self._sending)
            self.send_button.setAccessibleDescription(text)
            self.buy_button.hide()
        elif refusal is not None:
            text = describe(refusal, self.context.now())
            self.payment.hide()
            self.reason.setText(text)
            self.reason.show()
            self.send_button.setEnabled(False)
            self.send_button.setAccessibleDescription(text)
            self.buy_button.setVisible(refusal.code == "insufficient_stamps")
        else:
            self.payment.hide()

    # -- actions -----------------------------------------------------------------
    def send(self) -> None:
        core, contact, quote = self.context.core, self.contact, self.quote
        if core is None or contact is None or quote is None or self._sending:
            return
        text = self.editor.toPlainText()
        contact_id, in_reply_to, draft_id = contact.contact_id, self.in_reply_to, self.draft_id
        self._sending = True
        self.send_button.setEnabled(False)
        self.context.tasks.run(
            lambda: core.send_reply(
                contact_id, in_reply_to, text, expected_payment=quote.payment, draft_id=draft_id
            ),
            self._sent,
            on_refusal=self._send_refused,
            on_error=self._send_failed,
            owner=self,
        )

    def _sent(self, _reply: SentReply) -> None:
        self._sending = False
        contact = self.contact
        if contact is not None:
            announce(
                self,
                self.tr("Your message to {name} is queued to send.").format(
                    name=isolate(contact.display_name)
                ),
            )
        self.clear()
        self.shell.show_screen("conversation", contact=contact, at_newest=True)

    def _send_refused(self, refusal: Refusal) -> None:
        self._sending = False
        self._quote_refused(refusal)
        if refusal.code == "payment_changed":
            self.request_quote()

    def _send_failed(self, exc: BaseException) -> None:
        self._sending = False
        self.reason.setText(describe_error(exc))
        self.reason.show()
        self.send_button.setEnabled(self.quote is not None)

    def _refused(self, refusal: Refusal) -> None:
        self.reason.setText(describe(refusal, self.context.now()))
        self.reason.show()

    def save_draft(self) -> None:
        core, contact = self.context.core, self.contact
        body = self.editor.toPlainText()
        if core is None or contact is None or not body.strip() or body == self._saved_body:
            return
        contact_id, in_reply_to, draft_id = contact.contact_id, self.in_reply_to, self.draft_id
        self._saved_body = body

        def save() -> DraftView:
            return core.save_draft(contact_id, in_reply_to, body, draft_id)

        self.context.tasks.run(save, self._draft_saved, on_refusal=lambda _r: None, owner=self)

    def _draft_saved(self, draft: DraftView) -> None:
        if self.contact is not None and draft.contact_id == self.contact.contact_id:
            self.draft_id = draft.draft_id

    def leave(self) -> None:
        self._draft_timer.stop()
        self.save_draft()
        contact = self.contact
        self.shell.show_screen("conversation", contact=contact)

    def _toggle_keyboard(self, on: bool) -> None:
        self.keyboard.setVisible(on)
        if on:
            self.editor.setFocus()
