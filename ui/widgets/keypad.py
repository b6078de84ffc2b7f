"""A large numeric keypad for facility ID and PIN (touch kiosks have no keyboard)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QSizePolicy, QWidget

from ui.widgets.base import button, name


class Keypad(QWidget):
    """Digits 0-9, delete and clear, typing into :attr:`target`."""

    pressed = Signal(str)  # "0".."9", "back", "clear", "enter"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target: QLineEdit | None = None
        grid = QGridLayout(self)
        grid.setSpacing(10)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, QPushButton] = {}
        layout = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"]
        for index, key in enumerate(layout):
            icon_name = "backspace" if key == "back" else None
            widget = button("key", icon_name, self, focus=False)
            widget.setObjectName(f"keypad_{key}")
            # Keys take the room there is: the bigger the target, the easier the PIN.
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            widget.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(widget, index // 3, index % 3)
            self.keys[key] = widget
        self.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        for key, widget in self.keys.items():
            if key.isdigit():
                name(widget, key)
        name(self.keys["clear"], self.tr("Clear"), self.tr("Erase everything in this field"))
        name(self.keys["back"], self.tr("Delete"), self.tr("Erase the last digit"), visible=False)
        self.setAccessibleName(self.tr("Number pad"))

    def press(self, key: str) -> None:
        target = self.target
        if target is not None:
            if key.isdigit():
                target.insert(key)
            elif key == "back":
                target.backspace()
            elif key == "clear":
                target.clear()
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.pressed.emit(key)
