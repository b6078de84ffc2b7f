"""The resident's screens for one session, built under one parent and destroyed whole.

Everything that shows a resident's data (inbox, conversation, compose, stamps,
contacts, their models, confirmation cards and delegates) is a child of one
:class:`SessionScreens`, made at sign-in and deleted at sign-out, idle time-out,
the session cap or closing time. Nothing has to remember to reset a field: a
leak would need a deliberate reference from outside this tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QStackedWidget, QWidget

if TYPE_CHECKING:
    from ui.context import Context
    from ui.screens.compose import ComposeScreen
    from ui.screens.inbox import InboxScreen
    from ui.widgets.base import Navigator, Screen

RESIDENT_SCREENS = (
    "inbox",
    "conversation",
    "compose",
    "stamps",
    "contacts",
    "new_message",
    "drafts",
    "help",
)


class SessionScreens(QStackedWidget):
    """One session's stack of resident screens."""

    def __init__(self, context: Context, shell: Navigator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("session_screens")
        # Imported here: none of this is needed for the first painted sign-in screen.
        from ui.screens.compose import ComposeScreen
        from ui.screens.contacts import ContactsScreen
        from ui.screens.conversation import ConversationScreen
        from ui.screens.drafts import DraftsScreen
        from ui.screens.help import HelpScreen
        from ui.screens.inbox import InboxScreen
        from ui.screens.new_message import NewMessageScreen
        from ui.screens.stamps import StampsScreen

        self.inbox: InboxScreen = InboxScreen(context, shell, self)
        self.compose: ComposeScreen = ComposeScreen(context, shell, self)
        self.screens: dict[str, Screen] = {
            "inbox": self.inbox,
            "conversation": ConversationScreen(context, shell, self),
            "compose": self.compose,
            "stamps": StampsScreen(context, shell, self),
            "contacts": ContactsScreen(context, shell, self),
            "new_message": NewMessageScreen(context, shell, self),
            "drafts": DraftsScreen(context, shell, self),
            "help": HelpScreen(context, shell, self),
        }
        for screen in self.screens.values():
            self.addWidget(screen)

    def discard(self) -> None:
        """Stop every screen's timers and work, then delete the whole tree."""
        for screen in self.screens.values():
            screen.clear()
        self.screens.clear()
        self.hide()
        self.deleteLater()
