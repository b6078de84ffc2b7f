"""An in-app confirmation card (no system dialog: nothing may leave or cover the app)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QVBoxLayout, QWidget
from shiboken6 import isValid

from ui.accessible_roles import set_role
from ui.widgets.base import button, label, name


class ConfirmPanel(QFrame):
    """A question with a confirm and a cancel button; call :meth:`ask` to show it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "overlay")
        self.setObjectName("confirm_panel")
        set_role(self, "dialog")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        self.question = label("subtitle")
        self.question.setObjectName("confirm_question")
        self.detail = label()
        row = QHBoxLayout()
        self.cancel_button = button(None, "back", self)
        self.cancel_button.setObjectName("confirm_cancel")
        self.confirm_button = button("primary", "check", self)
        self.confirm_button.setObjectName("confirm_ok")
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.confirm_button)
        layout.addWidget(self.question)
        layout.addWidget(self.detail)
        layout.addLayout(row)
        self.cancel_button.clicked.connect(self.dismiss)
        self.confirm_button.clicked.connect(self._confirm)
        self._on_confirm: Callable[[], None] | None = None
        self._invoker: QWidget | None = None  # the control whose tap asked the question
        self.hide()

    def ask(
        self,
        question: str,
        detail: str,
        confirm: str,
        cancel: str,
        on_confirm: Callable[[], None],
        *,
        danger: bool = False,
    ) -> None:
        self.question.setText(question)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))
        name(self.confirm_button, confirm, question)
        name(self.cancel_button, cancel)
        self.confirm_button.setProperty("role", "danger" if danger else "primary")
        self.confirm_button.style().unpolish(self.confirm_button)
        self.confirm_button.style().polish(self.confirm_button)
        self.setAccessibleName(question)
        self._on_confirm = on_confirm
        invoker = QApplication.focusWidget()
        if invoker is not None and not self.isAncestorOf(invoker):
            self._invoker = invoker
        self.show()
        self.cancel_button.setFocus()  # the safe choice has focus

    def dismiss(self) -> None:
        self._on_confirm = None
        focused = QApplication.focusWidget()
        had_focus = focused is not None and self.isAncestorOf(focused)
        self.hide()
        self._return_focus(had_focus)

    def _return_focus(self, had_focus: bool) -> None:
        """Back to the control that asked, if it is still there (else the screen decides)."""
        invoker, self._invoker = self._invoker, None
        if had_focus and invoker is not None and isValid(invoker) and invoker.isVisible():
            invoker.setFocus(Qt.FocusReason.OtherFocusReason)

    def _confirm(self) -> None:
        action = self._on_confirm
        self.dismiss()
        if action is not None:
            action()
