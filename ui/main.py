"""``kite``: the resident terminal's entry point.

Start order, for a fast first paint: paint the sign-in screen (in the mode and
language of the configuration, read cheaply by :mod:`ui.early_settings`), then
validate the whole configuration (a bad one stops with a message and exit
status 2), then open the store, the core and the sync worker on a background
thread.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("kite")
CONFIG_ERROR_EXIT = 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kite", description="Kite resident terminal.")
    parser.add_argument(
        "--config", help="configuration file (default: KITE_CONFIG or /etc/kite/kite.toml)"
    )
    parser.add_argument(
        "--windowed",
        action="store_true",
        help="a normal window without kiosk lockdown (development and demos only)",
    )
    # Benchmarks and tests: quit once the sign-in screen is painted (start-time measurement).
    parser.add_argument("--exit-on-first-paint", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui import theme
    from ui.context import Context
    from ui.early_settings import peek
    from ui.lockdown import EscapeFilter, apply_kiosk_window
    from ui.shell import Shell
    from ui.tasks import Tasks

    early = peek(args.config)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Kite")
    theme.apply(app, theme.Appearance())
    tasks = Tasks(app)
    context = Context(tasks=tasks, mode=early.mode)
    context.languages.set(early.language)
    shell = Shell(context)
    if early.mode == "kiosk" and not args.windowed:
        app.installEventFilter(EscapeFilter(app))
        apply_kiosk_window(shell)
    else:
        shell.resize(1280, 800)
        shell.show()
    if args.exit_on_first_paint:
        shell.signin.first_paint.connect(app.quit)
        return app.exec()

    state: dict[str, object] = {}

    def after_first_paint() -> None:
        from kiosk.config import ConfigError, load_settings
        from ui.startup import Startup

        try:
            if args.config:
                settings = load_settings(Path(args.config), explicit=True)
            else:
                settings = load_settings()
        except ConfigError as exc:
            print(f"kite: {exc}", file=sys.stderr)
            app.exit(CONFIG_ERROR_EXIT)
            return
        if settings.language != context.languages.current:
            shell.set_language(settings.language)
        startup = Startup(app, shell, settings)
        state["startup"] = startup
        startup.begin()

    shell.signin.first_paint.connect(lambda: QTimer.singleShot(0, after_first_paint))
    # systemd stops the kiosk with SIGTERM: leave the event loop and end the session
    # properly (unfinished text becomes a draft). The timer lets Python run the handler.
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    heartbeat = QTimer(app)
    heartbeat.start(250)
    code = app.exec()
    shell.end_session("sign_out")
    tasks.wait(5000)
    startup = state.get("startup")
    if startup is not None:
        startup.shutdown()  # type: ignore[attr-defined]
    return code


if __name__ == "__main__":
    sys.exit(main())
