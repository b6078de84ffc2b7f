"""Kite's own on-screen keyboard (English and Spanish layouts, accents and ñ).

Qt Virtual Keyboard is GPL-only and its input-method route fails under a
Wayland kiosk compositor, so this is a plain widget: its keys never take focus
and type into whichever text field has it (or into :attr:`OnScreenKeyboard.target`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.base import button, name

LAYOUTS: dict[str, tuple[str, ...]] = {
    "en": ("1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm,.?", '!-:;()@/"&'),
    "es": ("1234567890", "qwertyuiop", "asdfghjklñ", "zxcvbnm,.?", "áéíóúü¿¡-:"),
}

TextTarget = QLineEdit | QPlainTextEdit


class OnScreenKeyboard(QWidget):
    """A touch keyboard; emits :attr:`enter` when Enter is pressed in a one-line field."""

    enter = Signal()
    layout_changed = Signal(str)

    def __init__(self, layout: str = "en", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target: TextTarget | None = None
        self._layout = layout if layout in LAYOUTS else "en"
        self._shift = False
        self._rows = QVBoxLayout(self)
        self._rows.setSpacing(6)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self.char_keys: list[QPushButton] = []
        for _ in range(5):
            row = QHBoxLayout()
            row.setSpacing(6)
            for _ in range(10):
                key = button("kbd", parent=self, focus=False)
                key.clicked.connect(lambda _=False, k=key: self._type(k.property("char")))
                row.addWidget(key)
                self.char_keys.append(key)
            self._rows.addLayout(row)
        bottom = QHBoxLayout()
        bottom.setSpacing(6)
        self.shift_key = button("kbd", "shift", self, focus=False, checkable=True)
        self.shift_key.toggled.connect(self._set_shift)
        self.layout_key = button("kbd", "globe", self, focus=False)
        self.layout_key.clicked.connect(self.toggle_layout)
        self.space_key = button("kbd", parent=self, focus=False)
        self.space_key.clicked.connect(lambda: self._type(" "))
        self.back_key = button("kbd", "backspace", self, focus=False)
        self.back_key.clicked.connect(self._backspace)
        self.enter_key = button("kbd", parent=self, focus=False)
        self.enter_key.clicked.connect(self._enter)
        bottom.addWidget(self.shift_key, 2)
        bottom.addWidget(self.layout_key, 3)
        bottom.addWidget(self.space_key, 7)
        bottom.addWidget(self.back_key, 2)
        bottom.addWidget(self.enter_key, 3)
        self._rows.addLayout(bottom)
        self._label_keys()
        self.retranslate()

    def set_layout(self, layout: str) -> None:
        if layout in LAYOUTS and layout != self._layout:
            self._layout = layout
            self._label_keys()
            self.retranslate()
            self.layout_changed.emit(layout)

    def toggle_layout(self) -> None:
        self.set_layout("es" if self._layout == "en" else "en")

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("On-screen keyboard"))
        name(self.shift_key, self.tr("Shift"), self.tr("Capital letters"), visible=False)
        other = "Español" if self._layout == "en" else "English"
        name(self.layout_key, other, self.tr("Switch the keyboard layout"))
        name(self.space_key, self.tr("Space"))
        name(self.back_key, self.tr("Delete"), self.tr("Erase the last character"), visible=False)
        name(self.enter_key, self.tr("Enter"), self.tr("New line, or confirm"))

    def _label_keys(self) -> None:
        chars = "".join(LAYOUTS[self._layout])
        for key, char in zip(self.char_keys, chars, strict=True):
            shown = char.upper() if self._shift else char
            key.setProperty("char", shown)
            key.setText(shown.replace("&", "&&"))  # a lone & would be a mnemonic marker
            key.setAccessibleName(shown)

    def _set_shift(self, on: bool) -> None:
        self._shift = on
        self._label_keys()

    def _current_target(self) -> TextTarget | None:
        focused = QApplication.focusWidget()
        if isinstance(focused, QLineEdit | QPlainTextEdit):
            return focused
        return self.target

    def _type(self, text: str) -> None:
        target = self._current_target()
        if target is None:
            return
        if isinstance(target, QLineEdit):
            target.insert(text)
        else:
            target.insertPlainText(text)
        if self._shift:  # one capital, like a phone keyboard
            self.shift_key.setChecked(False)

    def _backspace(self) -> None:
        target = self._current_target()
        if isinstance(target, QLineEdit):
            target.backspace()
        elif target is not None:
            target.textCursor().deletePreviousChar()

    def _enter(self) -> None:
        target = self._current_target()
        if isinstance(target, QPlainTextEdit):
            target.insertPlainText("\n")
        else:
            self.enter.emit()
