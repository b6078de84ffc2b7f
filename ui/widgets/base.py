"""Building blocks every screen uses, so no raw default widget reaches a resident.

- :func:`label` is always plain text (message text is never rich text or a link).
- :func:`button` is at least a touch target tall and carries its theme role.
- :func:`name` sets the visible text and the accessible name/description together.
- :class:`Screen` retranslates itself on a language change, forgets the
  resident on :meth:`Screen.clear`, and reloads on a change notice of a kind
  it shows (:attr:`Screen.shows`).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QIcon, QResizeEvent
from PySide6.QtWidgets import QAbstractButton, QFrame, QLabel, QPushButton, QWidget

from kiosk.changes import Changes
from ui.accessible_roles import set_role
from ui.icons import icon as themed_icon
from ui.theme import KEYBOARD_KEY_PX, TOUCH_PX, current_appearance

if TYPE_CHECKING:
    from kiosk.views import ResidentView


def label(role: str | None = None, parent: QWidget | None = None, *, wrap: bool = True) -> QLabel:
    """A plain-text label (never rich text, never a link)."""
    widget = QLabel(parent)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    widget.setOpenExternalLinks(False)
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    if role == "title":
        set_role(widget, "heading")  # a screen reader can jump to each screen's title
    return widget


def button(
    role: str | None = None,
    icon_name: str | None = None,
    parent: QWidget | None = None,
    *,
    focus: bool = True,
    checkable: bool = False,
) -> QPushButton:
    """A themed push button, at least one touch target in each direction."""
    widget = QPushButton(parent)
    widget.setCheckable(checkable)
    if role:
        widget.setProperty("role", role)
    if icon_name:
        widget.setProperty("kite_icon", icon_name)
        refresh_icon(widget)
    widget.setMinimumSize(
        KEYBOARD_KEY_PX if role == "kbd" else TOUCH_PX,
        KEYBOARD_KEY_PX if role == "kbd" else TOUCH_PX,
    )
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    widget.setAutoDefault(False)
    if not focus:
        widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return widget


def refresh_icon(widget: QAbstractButton) -> None:
    """Redraw a button's icon in the current theme (after a theme change)."""
    name = widget.property("kite_icon")
    if not name:
        return
    on_colour = widget.property("role") in ("primary", "danger")
    icon = themed_icon(str(name), "icon_on_primary" if on_colour else "icon")
    if widget.isCheckable() and not on_colour:
        # A checked toggle is drawn in the primary colour: its icon must follow the text.
        checked = themed_icon(str(name), "icon_on_primary")
        icon.addPixmap(checked.pixmap(64, 64), QIcon.Mode.Normal, QIcon.State.On)
    widget.setIcon(icon)
    side = current_appearance().px(28)
    widget.setIconSize(QSize(side, side))


def card(parent: QWidget | None = None, role: str = "card") -> QFrame:
    """A bordered surface that groups related content."""
    frame = QFrame(parent)
    frame.setProperty("role", role)
    return frame


def name(widget: QWidget, text: str, description: str = "", *, visible: bool = True) -> None:
    """Set the visible text (when the widget has one) and the accessible name together."""
    if isinstance(widget, QAbstractButton) and visible:
        widget.setText(text.replace("&", "&&"))  # a facility's "&" is never a mnemonic
    elif visible and hasattr(widget, "setText"):
        widget.setText(text)
    widget.setAccessibleName(text)
    if description:
        widget.setAccessibleDescription(description)


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class Navigator(Protocol):
    """What a screen may ask of the shell that holds it (``ui.shell.Shell``): who is signed
    in, and another screen. Screens name this, not the shell, so the shell alone knows them."""

    @property
    def resident(self) -> ResidentView | None: ...

    def show_screen(self, key: str, **kwargs: object) -> Screen: ...

    def set_language(self, language: str) -> None: ...


class Screen(QWidget):
    """A full screen of the shell; subclasses fill :meth:`retranslate` and :meth:`clear`."""

    # The kinds of data this screen shows: a change of one of them reloads it while in
    # front (a screen reloads anyway each time it is shown).
    shows = Changes.NONE

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every visible and accessible string from ``self.tr``."""

    def clear(self) -> None:
        """Forget everything about the resident (session end)."""

    def refresh(self) -> None:
        """Reload what is shown from the core."""

    def data_changed(self, changes: Changes) -> None:
        """A task or a sync round changed ``changes``: reload if this screen shows any."""
        if changes & self.shows:
            self.refresh()

    def first_focus(self) -> QWidget | None:
        """The first meaningful control on arrival (``docs/accessibility.md``); ``None``: the
        first control in Tab order that can take it."""
        return None

    def focus_first(self) -> None:
        """Put the focus on :meth:`first_focus`, or else on the first visible, enabled,
        named control of this screen in Tab order (never a hidden or unnamed one)."""
        wanted = self.first_focus()
        target = wanted if wanted is not None and can_focus(wanted) else None
        if target is None:
            widget = self.nextInFocusChain()
            while widget is not None and widget is not self:
                if self.isAncestorOf(widget) and can_focus(widget) and widget.accessibleName():
                    target = widget
                    break
                widget = widget.nextInFocusChain()
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)


def can_focus(widget: QWidget) -> bool:
    """Whether ``widget`` can take the focus now: shown, enabled, a Tab stop."""
    return (
        widget.isVisible()
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and widget.width() > 0
        and widget.height() > 0
    )


def tab_chain(*widgets: QWidget) -> None:
    """Make the Tab order follow ``widgets`` (the order they are read on screen)."""
    for before, after in itertools.pairwise(widgets):
        QWidget.setTabOrder(before, after)


class ElidedLabel(QLabel):
    """One line of plain text that ends in "…" when there is no room (the full text stays
    the accessible name)."""

    def __init__(self, role: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        if role:
            self.setProperty("role", role)
        self._full = ""
        self.setMinimumWidth(40)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setAccessibleName(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def minimumSizeHint(self) -> QSize:
        return QSize(40, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance(self._full) + 8, super().sizeHint().height()
        )

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        super().setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, self.width()))
