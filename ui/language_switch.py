"""The inbox's language button: a signed-in resident switches between English and Spanish.

It sits in the inbox header, where every session starts, not in the top bar: at
large text on a portrait 800 px screen the top bar has no room for one more
button. The button is a globe; it is named, and its tooltip says, the other
language's own name ("Español" over English screens), so a screen reader finds
it whatever is on screen. The sign-in screen has the labelled language buttons. The switch applies
at once; the core keeps the choice on this terminal (``Core.choose_language``:
the protocol has no item to change the resident's record on the server), so it
applies again at the resident's next sign-in here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QPushButton, QWidget

from ui.i18n import LANGUAGE_NAMES, LANGUAGES
from ui.widgets.base import Navigator, button, name

if TYPE_CHECKING:
    from ui.context import Context


class LanguageSwitch(QObject):
    """Owns a language button placed in ``bar``."""

    def __init__(self, context: Context, shell: Navigator, bar: QWidget) -> None:
        super().__init__(bar)
        self.context = context
        self.shell = shell
        self.button: QPushButton = button(None, "globe", bar)
        self.button.setObjectName("switch_language")
        self.button.clicked.connect(self.switch)
        bar.installEventFilter(self)
        self.retranslate()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def other(self) -> str:
        current = self.context.languages.current
        return next((lang for lang in LANGUAGES if lang != current), current)

    def retranslate(self) -> None:
        other = LANGUAGE_NAMES[self.other()]
        name(
            self.button,
            other,
            self.tr("Show the screens in {language}").format(language=other),
            visible=False,
        )
        self.button.setToolTip(other)

    def switch(self) -> None:
        """Switch to the other language now, and have the core keep the choice."""
        language = self.other()
        self.shell.set_language(language)
        self.retranslate()
        core = self.context.core
        if core is not None and self.shell.resident is not None:
            self.context.tasks.run(
                lambda: core.choose_language(language),
                on_refusal=lambda _r: None,  # an ended session: the sign-out says so
                owner=self,
            )
