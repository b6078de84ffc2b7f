"""``python -m ui.screenshots``: PNGs of every screen in English, Spanish, large text, contrast.

Runs the real shell on a demo facility (``ui.demo``) in a real X server: when
no display is set it re-runs itself under ``xvfb-run``. Writes
``docs/screenshots/<variant>-<screen>.png``; ``docs/ui.md`` lists them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path


@dataclass(frozen=True)
class Variant:
    """One set of screenshots: the language and appearance they are taken in."""

    language: str
    theme: str
    large: bool


VARIANTS = {
    "en": Variant("en", "standard", False),
    "es": Variant("es", "standard", False),
    "large-text": Variant("en", "standard", True),
    "high-contrast": Variant("en", "high-contrast", False),
}
SIZE = (1280, 800)
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _under_xvfb(argv: list[str]) -> int:
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        print("No display and no xvfb-run: apt-get install xvfb xauth", file=sys.stderr)
        return 2
    screen = f"-screen 0 {SIZE[0]}x{SIZE[1]}x24"
    os.execv(xvfb, [xvfb, "-a", "-s", screen, sys.executable, "-m", "ui.screenshots", *argv])
    return 0  # not reached


class _Session:
    """One variant's shell on its own demo store."""

    def __init__(self, variant: str, out: Path, tmp: Path) -> None:
        from PySide6.QtWidgets import QApplication

        from kiosk.config import Settings
        from kiosk.core import Core
        from kiosk.store import open_store
        from ui import theme
        from ui.context import Context
        from ui.demo import DEMO_NOW, add_demo_replies, build_demo
        from ui.session_watch import SessionWatch
        from ui.shell import Shell
        from ui.tasks import Tasks

        spec = VARIANTS[variant]
        self.variant, self.out = variant, out
        self.written: list[Path] = []
        self.store = open_store(tmp / "kite.db")
        directory = build_demo(self.store)
        settings = Settings(facility_id="demo", mode="kiosk", data_dir=tmp)
        add_demo_replies(self.store, directory, settings)
        self.core = Core(self.store, settings, lambda: DEMO_NOW, directory)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        theme.apply(app, theme.Appearance(theme=spec.theme, large_text=spec.large))
        self.tasks = Tasks()
        context = Context(tasks=self.tasks, core=self.core, now=lambda: DEMO_NOW)
        context.languages.set(spec.language)
        self.shell = Shell(context)
        self.shell.attach_watch(SessionWatch(self.core, self.tasks, self.shell))
        self.shell.signin.set_language(spec.language)
        self.shell.resize(*SIZE)
        self.shell.show()

    def settle(self) -> None:
        from PySide6.QtCore import QCoreApplication

        for _ in range(200):
            QCoreApplication.processEvents()
            if not self.tasks.busy:
                break
            self.tasks.wait(50)
        QCoreApplication.processEvents()

    def shot(self, name: str, before: Callable[[], object] | None = None) -> None:
        if before is not None:
            before()
        self.settle()
        path = self.out / f"{self.variant}-{name}.png"
        self.shell.grab().save(str(path))
        self.written.append(path)

    def run(self) -> list[Path]:
        from sync.status import SyncStatus
        from ui.demo import DEMO_NOW, DEMO_NUMBER, DEMO_PIN, DemoFeed, policy_document

        shell, core = self.shell, self.core
        self.shot("signin", shell.signin.refresh)
        shell.signin.id_field.setText(DEMO_NUMBER)
        shell.signin.pin_field.setText(DEMO_PIN)
        shell.signin.submit()
        self.settle()
        # The demo resident's record says Spanish; each variant shows its own language, as
        # the resident's switch in the top bar would.
        shell.set_language(VARIANTS[self.variant].language)
        self.settle()
        shell.show_sync_status(
            SyncStatus(
                state="offline",
                online=False,
                items_waiting=2,
                offline_since=DEMO_NOW - timedelta(minutes=25),
            )
        )
        # The demo resident's first sign-in on this terminal: the notice of review and
        # retention; then "I understand", and the inbox as every later sign-in shows it.
        inbox = shell.inbox
        assert inbox is not None
        self.shot("notice")
        inbox.account_notice.ok_button.click()
        self.shot("inbox")
        self.shot("help", lambda: shell.show_screen("help"))
        maria = next(c for c in core.contacts() if c.contact_id == "c1")
        luis = next(c for c in core.contacts() if c.contact_id == "c2")
        self.shot("conversation", lambda: shell.show_screen("conversation", contact=maria))
        self.shot("conversation-rejected", lambda: shell.show_screen("conversation", contact=luis))
        with_stamp = next(m for m in core.thread_page("c1").messages if m.has_return_stamp)

        def compose() -> None:
            shell.show_screen("compose", contact=maria, in_reply_to=with_stamp.message_id)
            screen = shell.compose
            assert screen is not None
            screen.editor.setPlainText("Thank you for the photos! Tell Sofia I love her.")
            self.settle()
            screen.request_quote()

        self.shot("compose", compose)
        self.shot("new-message", lambda: shell.show_screen("new_message"))

        def drafts() -> None:
            core.save_draft("c1", None, "Dear Maria, I have been thinking about what you said")
            core.save_draft("c2", None, "Luis, happy birthday! I hope the party")
            self.settle()
            shell.show_screen("drafts")

        self.shot("drafts", drafts)
        self.shot("stamps", lambda: shell.show_screen("stamps"))
        self.shot("contacts", lambda: shell.show_screen("contacts"))
        self.shot("idle-warning", lambda: shell.idle_warning.show_countdown(18, "idle"))
        self.shot("closing-warning", lambda: shell.idle_warning.show_countdown(18, "closed"))
        shell.idle_warning.hide()
        shell.end_session("sign_out")
        self.settle()
        hours = [{"weekday": 1, "opens": "07:00", "closes": "21:00"}]
        DemoFeed(self.store).apply([("policy", policy_document(hours=hours))])
        self.shot("signin-closed", shell.signin.refresh)
        shell.close()
        self.settle()
        self.store.close()
        return self.written


def capture(out: Path, variants: list[str]) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for variant in variants:
        with tempfile.TemporaryDirectory() as tmp:
            written += _Session(variant, out, Path(tmp)).run()
    return written


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description="Write PNG screenshots of every screen.")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    args = parser.parse_args(args_list)
    if not os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        return _under_xvfb(args_list)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    for path in capture(args.out, args.variant or list(VARIANTS)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
