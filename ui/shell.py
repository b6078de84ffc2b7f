"""The application window: top bar, one stack of screens, the idle warning over them.

The sign-in screen is built at once (it is all the first paint needs). The
resident's screens are built at each sign-in under one per-session parent
(:class:`ui.session_screens.SessionScreens`), so their imports never slow the
start. Ending a session, for any reason, hands unfinished text to the core as
drafts, deletes that whole tree (the next resident gets a new one), clears the
sign-in fields with their undo history, and empties the clipboard.
Change notices (:class:`kiosk.changes.Changes`) from background tasks and from
the sync worker arrive at one hook, :meth:`Shell.data_changed`, which hands
them to the screen in front.

Language: the resident's (their record's, or what they chose on this terminal)
applies at sign-in; the inbox's language button (``ui.language_switch``)
switches while signed in and the core keeps the choice; at the session's end
the kiosk's own language (``Context.default_language``) comes back for the
next person.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.changes import Changes
from kiosk.errors import Refusal
from ui import accessible_roles, theme
from ui.accessible_roles import set_role
from ui.context import Context
from ui.formatting import isolate
from ui.i18n import LANGUAGES
from ui.lockdown import clear_clipboard
from ui.screens.signin import SignInScreen
from ui.sync_status import describe_sync
from ui.widgets.base import ElidedLabel, Screen, button, name, refresh_icon
from ui.widgets.idle_warning import IdleWarning

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from kiosk.views import EndReason, ResidentView, SignedIn
    from sync.status import SyncStatus
    from ui.screens.compose import ComposeScreen
    from ui.screens.enrollment import EnrollmentScreen
    from ui.screens.inbox import InboxScreen
    from ui.session_screens import SessionScreens
    from ui.session_watch import SessionWatch


class _Central(QWidget):
    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class Shell(QMainWindow):
    """Kite's one window."""

    screen_shown = Signal(str)
    session_ended = Signal(str)

    def __init__(self, context: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        accessible_roles.install()  # headings, page tabs, dialogs (before anything is shown)
        self.setObjectName("shell")
        self.context = context
        self.resident: ResidentView | None = None
        self.watch: SessionWatch | None = None
        self.screens: dict[str, Screen] = {}
        # The resident's screens: one tree per session, built at sign-in, deleted at its end.
        self.session: SessionScreens | None = None
        self.inbox: InboxScreen | None = None
        self.compose: ComposeScreen | None = None
        self.enrollment: EnrollmentScreen | None = None
        self._sync_status: SyncStatus | None = None

        central = _Central(self)
        self.setCentralWidget(central)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)

        # Two levels: sign-in and enrollment fill the window; the resident's screens sit
        # under the top bar. Each level sizes itself, so a tall sign-in never pushes the rest.
        self.outer = QStackedWidget(central)
        column.addWidget(self.outer, 1)
        self.session_page = QWidget(self.outer)
        session_column = QVBoxLayout(self.session_page)
        session_column.setContentsMargins(0, 0, 0, 0)
        session_column.setSpacing(0)
        self.outer.addWidget(self.session_page)
        self.topbar = QFrame(self.session_page)
        self.topbar.setProperty("role", "topbar")
        bar = QHBoxLayout(self.topbar)
        bar.setContentsMargins(16, 8, 16, 8)
        bar.setSpacing(10)
        # The name gives way to the buttons, never the other way round.
        self.resident_label = ElidedLabel("subtitle", self.topbar)
        self.resident_label.setObjectName("resident_name")
        self.resident_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.nav: dict[str, QPushButton] = {}
        bar.addWidget(self.resident_label, 1)
        for key, icon_name in (("inbox", "inbox"), ("stamps", "stamp"), ("contacts", "contacts")):
            widget = button("nav", icon_name, self.topbar, checkable=True)
            widget.setObjectName(f"nav_{key}")
            widget.clicked.connect(lambda _=False, k=key: self.show_screen(k))
            bar.addWidget(widget)
            set_role(widget, "page_tab")  # the current one is selected, not a checked box
            self.nav[key] = widget
        self.text_size_button = button(None, "text-size", self.topbar, checkable=True)
        self.text_size_button.setObjectName("toggle_large_text")
        self.text_size_button.toggled.connect(self.set_large_text)
        self.contrast_button = button(None, "contrast", self.topbar, checkable=True)
        self.contrast_button.setObjectName("toggle_high_contrast")
        self.contrast_button.toggled.connect(self.set_high_contrast)
        self.sign_out_button = button("danger", "signout", self.topbar)
        self.sign_out_button.setObjectName("sign_out")
        self.sign_out_button.clicked.connect(lambda: self.end_session("sign_out"))
        for widget in (self.text_size_button, self.contrast_button, self.sign_out_button):
            bar.addWidget(widget)
        for widget in self.topbar.findChildren(QPushButton):
            widget.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        session_column.addWidget(self.topbar)
        self.session_column = session_column

        self.idle_warning = IdleWarning(central)
        central.resized.connect(self.idle_warning.place)

        self.signin = SignInScreen(context, self)
        self.signin.signed_in.connect(self.on_signed_in)
        self.signin.language_chosen.connect(self.set_language)
        self.signin.large_text_toggled.connect(self.set_large_text)
        self.signin.high_contrast_toggled.connect(self.set_high_contrast)
        self.add_screen("signin", self.signin)
        self.outer.setCurrentWidget(self.signin)
        self.signin.set_language(context.languages.current)
        context.tasks.changed.connect(self.data_changed)
        context.tasks.failed.connect(self._task_failed)
        self._sync_toggles(theme.current_appearance())
        self.retranslate()
        # The first thing a resident does: the focus is there when the window is first shown.
        self.signin.id_field.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- screens -----------------------------------------------------------------
    def add_screen(self, key: str, screen: Screen) -> None:
        self.screens[key] = screen
        self.outer.addWidget(screen)

    def page(self, key: str) -> Screen:
        if key == "enrollment":
            self._ensure_enrollment()
        else:
            self._ensure_screens()
        return self.screens[key]

    def current_key(self) -> str:
        current = self.current_screen()
        return next((k for k, s in self.screens.items() if s is current), "")

    def current_screen(self) -> QWidget | None:
        outer = self.outer.currentWidget()
        if outer is not self.session_page:
            return outer
        return self.session.currentWidget() if self.session is not None else None

    def _raise(self, screen: QWidget) -> None:
        if self.outer.indexOf(screen) >= 0:
            self.outer.setCurrentWidget(screen)
        elif self.session is not None:
            self.session.setCurrentWidget(screen)
            self.outer.setCurrentWidget(self.session_page)

    def show_screen(self, key: str, **kwargs: object) -> Screen:
        """Bring a screen forward (``kwargs`` go to its ``open`` method, if any)."""
        screen = self.page(key)
        opener = getattr(screen, "open", None)
        if opener is not None:
            opener(**kwargs)
        else:
            screen.refresh()
        self._raise(screen)
        screen.focus_first()  # the screen's first meaningful control; never Sign out
        for nav_key, widget in self.nav.items():
            widget.setChecked(nav_key == key)
        self.screen_shown.emit(key)
        return screen

    def _ensure_screens(self) -> None:
        if self.session is None:
            self._open_session_screens()

    def _open_session_screens(self) -> None:
        """A new tree of resident screens; any earlier one is deleted whole first."""
        from ui.session_screens import SessionScreens  # not at import: see _ensure_screens

        self._discard_session_screens()
        self.session = SessionScreens(self.context, self, self.session_page)
        self.session_column.addWidget(self.session, 1)
        self.inbox, self.compose = self.session.inbox, self.session.compose
        self.screens.update(self.session.screens)
        self.inbox.show_sync_status(self._sync_status)
        self._ensure_enrollment()

    def _discard_session_screens(self) -> None:
        tree, self.session = self.session, None
        self.inbox = self.compose = None
        if tree is None:
            return
        for key in tree.screens:
            self.screens.pop(key, None)
        self.session_column.removeWidget(tree)
        tree.discard()

    def _ensure_enrollment(self) -> None:
        if self.enrollment is not None:
            return
        from ui.screens.enrollment import EnrollmentScreen

        self.enrollment = EnrollmentScreen(self.context, self)
        self.add_screen("enrollment", self.enrollment)

    def data_changed(self, changes: Changes) -> None:
        """The one hook for change notices, from tasks and sync rounds alike.

        The screen in front reloads if it shows a kind that changed; the others
        reload when they are next shown (:meth:`show_screen`), never while hidden.
        """
        current = self.current_screen()
        if isinstance(current, Screen):
            current.data_changed(changes)

    def _task_failed(self, error: BaseException) -> None:
        """A refusal or error no screen handled: an ended session signs out, the rest is logged."""
        expired = isinstance(error, Refusal) and error.code in ("session_expired", "not_signed_in")
        if isinstance(error, Refusal) and expired and self.resident is not None:
            ending = error.params.get("ending", "idle")
            self.end_session(
                "cap" if ending == "cap" else "closed" if ending == "closed" else "idle"
            )
        else:
            log.error("unhandled background failure: %r", error)

    # -- language and appearance -------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Kite"))
        labels = {
            "inbox": (self.tr("Messages"), self.tr("Your conversations")),
            "stamps": (self.tr("Stamps"), self.tr("Balance, stamp books and receipts")),
            "contacts": (self.tr("Contacts"), self.tr("Who you can write to")),
        }
        for key, (text, description) in labels.items():
            name(self.nav[key], text, description)
        # Icon-only toggles (the same ones are labelled on the sign-in screen).
        name(
            self.text_size_button,
            self.tr("Text size"),
            self.tr("Switch large text on or off"),
            visible=False,
        )
        name(
            self.contrast_button,
            self.tr("Contrast"),
            self.tr("Switch high contrast on or off"),
            visible=False,
        )
        for toggle in (self.text_size_button, self.contrast_button):
            toggle.setToolTip(toggle.accessibleName())
        name(self.sign_out_button, self.tr("Sign out"), self.tr("End your session now"))
        self.show_sync_status(self._sync_status)

    def set_language(self, language: str) -> None:
        if language != self.context.languages.current:
            self.context.languages.set(language)
        self.signin.set_language(language)

    def set_large_text(self, on: bool) -> None:
        self._set_appearance(replace(theme.current_appearance(), large_text=on))

    def set_high_contrast(self, on: bool) -> None:
        palette = "high-contrast" if on else "standard"
        self._set_appearance(replace(theme.current_appearance(), theme=palette))

    def _set_appearance(self, wanted: theme.Appearance) -> None:
        current = theme.current_appearance()
        if wanted != current:
            app = QApplication.instance()
            assert isinstance(app, QApplication)
            theme.apply(app, wanted)
            for widget in self.findChildren(QPushButton):
                refresh_icon(widget)
        self._sync_toggles(wanted)
        self.idle_warning.place()

    def _sync_toggles(self, wanted: theme.Appearance) -> None:
        for toggle, on in (
            (self.text_size_button, wanted.large_text),
            (self.signin.large_text, wanted.large_text),
            (self.contrast_button, wanted.theme == "high-contrast"),
            (self.signin.high_contrast, wanted.theme == "high-contrast"),
        ):
            toggle.blockSignals(True)
            toggle.setChecked(on)
            toggle.blockSignals(False)

    # -- sync status -------------------------------------------------------------
    def show_sync_status(self, status: SyncStatus | None) -> None:
        # What a sync round brought arrives as a change notice (data_changed), not here.
        self._sync_status = status
        text, _tone = describe_sync(status, self.context.now())
        # Revoked, incompatible or unenrolled: whoever stands at the kiosk must see it.
        needs_it = status is not None and (status.call_it or status.state == "not_enrolled")
        self.signin.show_facility_problem(text if needs_it else "")
        if self.inbox is not None:
            self.inbox.show_sync_status(status)

    # -- sessions ----------------------------------------------------------------
    def on_signed_in(self, signed: SignedIn) -> None:
        self.resident = signed.resident
        self._open_session_screens()  # never a screen an earlier session touched
        self.resident_label.set_full_text(isolate(signed.resident.display_name))
        if signed.resident.language in LANGUAGES:
            self.set_language(signed.resident.language)
        if self.watch is not None:
            self.watch.start()
        self.show_screen("inbox")

    def attach_watch(self, watch: SessionWatch) -> None:
        self.watch = watch
        watch.warning.connect(self.idle_warning.show_countdown)
        watch.warning_cleared.connect(self.idle_warning.hide)
        watch.expired.connect(self.end_session)
        self.idle_warning.more_time.connect(watch.more_time)

    def end_session(self, reason: EndReason) -> None:
        """Sign-out, idle or cap: keep drafts, then leave nothing of the resident behind."""
        if self.resident is None:
            return
        drafts = self.compose.unfinished() if self.compose is not None else []
        core = self.context.core
        if self.watch is not None:
            self.watch.stop()
        self.idle_warning.hide()
        self._raise(self.signin)
        self._discard_session_screens()
        for screen in self.screens.values():
            screen.clear()
        self.resident = None
        self.resident_label.set_full_text("")
        clear_clipboard()
        self.set_language(self.context.default_language)  # the kiosk's, for the next person
        self._raise(self.signin)
        if reason == "idle":
            self.signin.show_message(
                self.tr(
                    "You were signed out because nothing happened for a while. "
                    "Your unfinished text is saved."
                )
            )
        elif reason == "cap":
            self.signin.show_message(
                self.tr("Your session reached its time limit. Your unfinished text is saved.")
            )
        elif reason == "closed":
            self.signin.show_message(
                self.tr("Messaging has closed for now. Your unfinished text is saved.")
            )
        elif reason == "failure":
            self.signin.show_message(self._apology())
        else:
            self.signin.show_message("")
        self.signin.id_field.setFocus(Qt.FocusReason.OtherFocusReason)
        if core is not None:
            # The core holds the session until this finishes; the sign-in screen waits for
            # it, so the next resident is never refused as "someone is still signed in".
            self.signin.session_ending(True)

            def ended(_outcome: object = None) -> None:
                self.signin.session_ending(False)
                self.signin.refresh()  # closed now? the notice says when service opens again

            self.context.tasks.run(
                lambda: core.end_session(reason, drafts),
                ended,
                on_refusal=ended,
                on_error=ended,
                owner=self.signin,
            )
        self.session_ended.emit(reason)

    def end_after_failure(self) -> None:
        """Something failed on screen: end the session as a sign-out would, and say sorry.

        Nothing a failing screen holds is trusted to go on: its tree is deleted whole
        (:meth:`end_session`), and a failure at the sign-in screen empties its fields.
        """
        if self.resident is not None:
            self.end_session("failure")
            return
        self._raise(self.signin)
        self.signin.clear()
        self.signin.show_message(self.tr("Sorry, something went wrong. Please try again."))

    def _apology(self) -> str:
        return self.tr(
            "Sorry, something went wrong and your session was ended. "
            "Your unfinished text is saved. Please sign in again."
        )
