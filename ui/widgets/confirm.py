"""An in-app confirmation card (no system dialog: nothing may leave or cover the app)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from ui.widgets.base import button, label, name


class ConfirmPanel(QFrame):
    """A question with a confirm and a cancel button; call :meth:`ask` to show it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "overlay")
        self.setObjectName("confirm_panel")
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
        self.show()
        self.cancel_button.setFocus()  # the safe choice has focus

    def dismiss(self) -> None:
        self._on_confirm = None
        self.hide()

    def _confirm(self) -> None:
        action = self._on_confirm
        self.dismiss()
        if action is not None:
            action()
