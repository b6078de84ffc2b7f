"""Stamps: balances (confirmed and pending), the debit account, stamp books, receipts.

A purchase is confirmed on screen first; it is then queued to the server and
shows as pending until the server confirms it (or refuses it, with the
reason) — the receipt history says which. Reached from compose ("Buy stamps"),
it offers the way back to the message, whose payment line is quoted afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QListView,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui.announcer import announce
from ui.formatting import money, when
from ui.refusals import describe, describe_error, describe_reason
from ui.widgets.base import Navigator, Screen, button, card, label, name, tab_chain
from ui.widgets.confirm import ConfirmPanel

if TYPE_CHECKING:
    from kiosk.views import Balances, PurchaseView, Receipt, StampProduct
    from ui.context import Context

_ROOT = QModelIndex()


class ReceiptModel(QAbstractListModel):
    """Receipt history rows as sentences (ledger entries and pending holds)."""

    def __init__(
        self, describe_row: Callable[[Receipt], str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._rows: list[Receipt] = []
        self._describe = describe_row

    def set_rows(self, rows: Sequence[Receipt]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Receipt]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> str | None:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(self._rows[index.row()])
        return None


class StampsScreen(Screen):
    """Balances, stamp books and the receipt history."""

    shows = Changes.STAMPS | Changes.POLICY

    def __init__(self, context: Context, shell: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stamps")
        self.context = context
        self.shell = shell
        self.balances: Balances | None = None
        self.products: tuple[StampProduct, ...] = ()
        root = QHBoxLayout(self)
        root.setContentsMargins(24, 16, 24, 16)
        root.setSpacing(20)

        # The left column scrolls rather than squeeze its text (large text on a small screen).
        left_scroll = QScrollArea(self)
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        left_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a container, not a control
        left_body = QWidget()
        left_scroll.setWidget(left_body)
        left = QVBoxLayout(left_body)
        left.setContentsMargins(0, 0, 8, 0)
        self.title = label("title")
        self.back_to_message = button("primary", "back", self)
        self.back_to_message.setObjectName("stamps_back_to_message")
        self.back_to_message.clicked.connect(lambda: self.shell.show_screen("compose"))
        self.back_to_message.hide()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.back_to_message)
        left.addLayout(head)
        balance_card = card(self)
        # One column: a grid of wrapping labels clips them (no height-for-width in grids).
        column = QVBoxLayout(balance_card)
        column.setContentsMargins(20, 16, 20, 16)
        column.setSpacing(4)
        self.spendable_label = label()
        self.spendable_value = label("big-number", wrap=False)
        self.spendable_value.setObjectName("stamps_spendable")
        self.pending_value = label("muted")
        self.pending_value.setObjectName("stamps_pending")
        self.debit_label = label()
        self.debit_value = label("big-number", wrap=False)
        self.debit_value.setObjectName("debit_balance")
        self.debit_as_of = label("muted")
        self.debit_as_of.setObjectName("debit_as_of")
        for widget in (self.spendable_label, self.spendable_value, self.pending_value):
            column.addWidget(widget)
        column.addSpacing(12)
        for widget in (self.debit_label, self.debit_value, self.debit_as_of):
            column.addWidget(widget)
        left.addWidget(balance_card)
        self.books_title = label("subtitle")
        left.addWidget(self.books_title)
        self.books = QGridLayout()
        self.books.setSpacing(10)
        left.addLayout(self.books)
        self.no_books = label("muted")
        left.addWidget(self.no_books)
        self.confirm = ConfirmPanel(self)
        left.addWidget(self.confirm)
        self.outcome = label("info")
        self.outcome.setObjectName("purchase_outcome")
        self.outcome.hide()
        left.addWidget(self.outcome)
        left.addStretch(1)
        root.addWidget(left_scroll, 3)

        right = QVBoxLayout()
        self.receipts_title = label("subtitle")
        right.addWidget(self.receipts_title)
        self.receipt_model = ReceiptModel(self.describe_receipt, self)
        self.receipts = QListView(self)
        self.receipts.setObjectName("receipts")
        self.receipts.setModel(self.receipt_model)
        self.receipts.setWordWrap(True)
        self.receipts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.receipts.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.receipts.setSpacing(4)
        right.addWidget(self.receipts, 1)
        self.receipts_title.setBuddy(self.receipts)  # the list is labelled by its title
        root.addLayout(right, 2)
        self.book_buttons: list[QPushButton] = []
        self._focus_on_load = False  # arrived before the books: focus the first once loaded
        # The purchase made on this screen, until it resolves.
        self._watching: PurchaseView | None = None
        self.retranslate()

    # -- Screen ------------------------------------------------------------------
    def retranslate(self) -> None:
        self.title.setText(self.tr("Stamps"))
        self.spendable_label.setText(self.tr("Stamps you can use"))
        self.debit_label.setText(self.tr("Debit account"))
        self.books_title.setText(self.tr("Buy stamps"))
        self.no_books.setText(self.tr("No stamp books are on sale right now."))
        self.receipts_title.setText(self.tr("Receipts"))
        self.receipts.setAccessibleName(self.tr("Receipt history, newest first"))
        name(
            self.back_to_message,
            self.tr("Back to your message"),
            self.tr("Return to the message you were writing"),
        )
        self._show_balances()
        self._show_products()
        self.receipt_model.layoutChanged.emit()

    def clear(self) -> None:
        self.balances = None
        self.products = ()
        self.receipt_model.set_rows([])
        self.confirm.dismiss()
        self.outcome.hide()
        self._watching = None
        self._show_balances()
        self._show_products()

    def open(self, from_compose: bool = False) -> None:
        """Show balances and books; ``from_compose``: with the way back to the message."""
        self.back_to_message.setVisible(from_compose)
        self.refresh()

    def refresh(self) -> None:
        core = self.context.core
        if core is None or self.shell.resident is None:
            return

        def load() -> tuple[Balances, tuple[StampProduct, ...], tuple[Receipt, ...]]:
            return core.balances(), core.products(), core.receipts()

        self.context.tasks.run(load, self._loaded, on_refusal=self._refused, owner=self)

    def _loaded(
        self, loaded: tuple[Balances, tuple[StampProduct, ...], tuple[Receipt, ...]]
    ) -> None:
        if self.shell.resident is None:
            return
        self.balances, products, receipts = loaded
        if tuple(products) != self.products:
            self.products = tuple(products)
            self._show_products()
        self._show_balances()
        self.receipt_model.set_rows(receipts)
        self._follow_purchase(receipts)

    def _follow_purchase(self, receipts: Sequence[Receipt]) -> None:
        """Turn "pending" into "confirmed" or "refused" once the server answered."""
        purchase = self._watching
        if purchase is None:
            return
        mine = [r for r in receipts if r.reference == purchase.client_id]
        if any(r.pending for r in mine):
            return
        self._watching = None
        refused = next((r for r in mine if str(r.hold_state) == "voided"), None)
        if mine and refused is None:
            self._show_outcome(
                self.tr("Purchase confirmed: %n stamps added.", "", purchase.stamps),
                "info",
            )
        else:
            text = self.tr(
                "The purchase of %n stamps was refused. Nothing was taken from your debit account.",
                "",
                purchase.stamps,
            )
            if refused is not None:
                text += "\n" + self.refusal_reason(refused.reason)
            self._show_outcome(text, "error")

    # -- display -----------------------------------------------------------------
    def _show_balances(self) -> None:
        b = self.balances
        if b is None:
            for widget in (
                self.spendable_value,
                self.pending_value,
                self.debit_value,
                self.debit_as_of,
            ):
                widget.clear()
            return
        self.spendable_value.setText(str(b.spendable))
        pending = []
        if b.pending_purchases:
            pending.append(self.tr("%n bought, waiting for confirmation", "", b.pending_purchases))
        if b.held:
            pending.append(self.tr("%n set aside for replies waiting to send", "", b.held))
        self.pending_value.setText("\n".join(pending) or self.tr("Nothing pending"))
        if b.debit_cents is None:
            self.debit_value.setText("—")
            self.debit_as_of.setText(self.tr("Not received yet"))
        else:
            self.debit_value.setText(money(b.debit_cents))
            self.debit_as_of.setText(
                self.tr("As of {time}").format(time=when(b.debit_as_of, self.context.now()))
                if b.debit_as_of
                else ""
            )
        summary = self.tr("Stamps you can use: {count}").format(count=b.spendable)
        self.spendable_value.setAccessibleName(summary)
        self.debit_value.setAccessibleName(
            self.tr("Debit account: {amount}").format(amount=self.debit_value.text())
        )

    def _show_products(self) -> None:
        focused = QApplication.focusWidget()
        had_focus = next(
            (i for i, widget in enumerate(self.book_buttons) if widget is focused), None
        )
        for widget in self.book_buttons:
            self.books.removeWidget(widget)
            widget.deleteLater()
        self.book_buttons = []
        for i, product in enumerate(self.products):
            widget = button(None, None, self)
            widget.setObjectName(f"buy_{product.product_id}")
            text = self.tr("{name}: %n stamps, {price}", "", product.stamps).format(
                name=product.name, price=money(product.price_cents)
            )
            name(widget, text, self.tr("Buy this from your debit account"))
            widget.clicked.connect(lambda _=False, p=product: self.ask_buy(p))
            self.books.addWidget(widget, i, 0)
            widget.show()  # now, not at the next event loop turn: it may take the focus
            self.book_buttons.append(widget)
        self.no_books.setVisible(not self.products)
        # Read left column first (back, the books, a question about one), then the receipts.
        tab_chain(
            self.back_to_message,
            *self.book_buttons,
            self.confirm.cancel_button,
            self.confirm.confirm_button,
            self.receipts,
        )
        if had_focus is not None and had_focus < len(self.book_buttons):
            self.book_buttons[had_focus].setFocus()  # the same book, not lost with its button
        elif self._focus_on_load and self.isVisible():
            self.focus_first()
        self._focus_on_load = False

    def first_focus(self) -> QWidget | None:
        if self.back_to_message.isVisible():
            return self.back_to_message  # reached from compose: the way back first
        return self.book_buttons[0] if self.book_buttons else None

    def focus_first(self) -> None:
        if not self.book_buttons and not self.back_to_message.isVisible():
            self._focus_on_load = True  # the books are on their way: the first one then
            return
        super().focus_first()

    # -- purchase ----------------------------------------------------------------
    def ask_buy(self, product: StampProduct) -> None:
        self.outcome.hide()
        self.confirm.ask(
            self.tr("Buy {name} for {price}?").format(
                name=product.name, price=money(product.price_cents)
            ),
            self.tr(
                "{price} comes out of your debit account. The %n stamps can be used "
                "once the facility confirms the purchase.",
                "",
                product.stamps,
            ).format(price=money(product.price_cents)),
            self.tr("Buy"),
            self.tr("Cancel"),
            lambda: self._buy(product),
        )

    def _buy(self, product: StampProduct) -> None:
        core = self.context.core
        if core is None:
            return
        product_id = product.product_id
        self.context.tasks.run(
            lambda: core.buy_stamps(product_id),
            self._bought,
            on_refusal=self._refused,
            on_error=lambda e: self._show_outcome(describe_error(e), "error"),
            owner=self,
        )

    def _bought(self, purchase: PurchaseView) -> None:
        self._watching = purchase
        self._show_outcome(
            self.tr(
                "Purchase sent: %n stamps are pending until the facility confirms them.",
                "",
                purchase.stamps,
            ),
            "info",
        )

    def _refused(self, refusal: Refusal) -> None:
        self._show_outcome(describe(refusal, self.context.now()), "error")

    def _show_outcome(self, text: str, role: str) -> None:
        announce(self, text, assertive=role == "error")
        self.outcome.setText(text)
        self.outcome.setAccessibleName(text)
        self.outcome.setProperty("role", role)
        self.outcome.style().unpolish(self.outcome)
        self.outcome.style().polish(self.outcome)
        self.outcome.show()

    def describe_receipt(self, receipt: Receipt) -> str:
        """One line of the receipt history."""
        kinds = {
            "purchase": self.tr("Purchase"),
            "transfer_in": self.tr("Gift from family"),
            "spend": self.tr("Reply sent"),
            "refund": self.tr("Refund"),
            "adjustment": self.tr("Adjustment"),
        }
        kind = kinds.get(str(receipt.kind), str(receipt.kind))
        if receipt.correction:
            kind = self.tr("Correction from the server's records")
        parts = [when(receipt.at, self.context.now()), kind]
        state = str(receipt.hold_state) if receipt.hold_state is not None else ""
        if state == "voided":
            # Nothing moved: say what was asked for, without a sign, then why it was refused.
            count, price = abs(receipt.stamps), money(abs(receipt.cents))
            parts.append(self.tr("%n stamps for {price}", "", count).format(price=price))
            parts.append(self.tr("Refused"))
            return " · ".join(parts) + "\n" + self.refusal_reason(receipt.reason)
        if receipt.stamps > 0:
            parts.append(self.tr("+%n stamps", "", receipt.stamps))
        elif receipt.stamps < 0:
            parts.append(self.tr("-%n stamps", "", -receipt.stamps))
        if receipt.cents:
            parts.append(money(receipt.cents))
        if receipt.pending:
            parts.append(self.tr("Pending"))
        line = " · ".join(parts)
        if receipt.memo and not receipt.pending and not receipt.correction:
            line += "\n" + describe_reason(receipt.memo)
        return line

    def refusal_reason(self, reason: str | None) -> str:
        """Why the facility refused a purchase, translated (a generic sentence without a code)."""
        return describe_reason(reason) or self.tr("The facility refused this purchase.")
