"""``kite``: the resident terminal's entry point.

Start order, for a fast first paint: read the mode and language cheaply
(:mod:`ui.early_settings`; the mode from a root-owned file only), scrub the
environment (:mod:`ui.environment`, before Qt is imported) and install the
failure hooks (:mod:`ui.failure_hooks`); paint the sign-in screen, locked down
unless ``--windowed`` (kiosk and tablet alike), and tell systemd READY
(:mod:`ui.liveness`); then validate the whole configuration (a bad one stops with
a message and exit status 2), log into the data folder, and open the store, the
core and the sync worker on a background thread.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ui.startup import Startup

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
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="load the configuration, open the store (migrating it), paint the sign-in "
        "screen offscreen once and exit: 0 when all of it worked (checks an installed build)",
    )
    # Benchmarks and tests: quit once the sign-in screen is painted (start-time measurement).
    parser.add_argument("--exit-on-first-paint", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def smoke_test(config: str | None) -> int:
    """Check a build end to end without a display or a resident; silent unless it fails.

    Exit 0: configuration valid, store open at the current schema, sign-in painted.
    Exit 2: a bad configuration. Exit 1: anything else (the reason on stderr).
    """
    # Offscreen whatever the environment says: a build machine has no display.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from PySide6.QtWidgets import QApplication

    from kiosk.config import ConfigError, load_settings
    from kiosk.errors import KiteError
    from sync.terminal import open_kiosk_store
    from ui import theme
    from ui.context import Context
    from ui.shell import Shell
    from ui.tasks import Tasks

    try:
        settings = load_settings(Path(config), explicit=True) if config else load_settings()
    except ConfigError as exc:
        print(f"kite: {exc}", file=sys.stderr)
        return CONFIG_ERROR_EXIT
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        open_kiosk_store(settings).close()  # with its key, as the kiosk opens it
    except (KiteError, OSError) as exc:
        print(f"kite: smoke test: the store did not open: {exc}", file=sys.stderr)
        return 1
    app = QApplication(sys.argv[:1])
    theme.apply(app, theme.Appearance())
    context = Context(tasks=Tasks(app), mode=settings.mode, default_language=settings.language)
    context.languages.set(settings.language)
    shell = Shell(context)
    shell.resize(1280, 800)
    painted: list[bool] = []
    shell.signin.first_paint.connect(lambda: painted.append(True))
    # grab() lays out and paints the window into an image without showing it.
    image = shell.grab()
    if not painted or image.isNull():
        print("kite: smoke test: the sign-in screen did not paint", file=sys.stderr)
        return 1
    print(f"kite: smoke test passed ({settings.mode}, {settings.language})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.smoke_test:
        return smoke_test(args.config)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from ui.early_settings import peek
    from ui.failure_hooks import FailureHooks

    early = peek(args.config)
    locked = not args.windowed  # kiosk and tablet alike; --windowed is for development
    if locked:
        from ui.environment import scrub

        scrub(os.environ)  # before Qt is imported: Qt reads its variables as it loads
    hooks = FailureHooks()
    hooks.install()

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui import theme
    from ui.context import Context
    from ui.failure_guard import FailureGuard
    from ui.liveness import Liveness
    from ui.lockdown import lock_down, prepare_kiosk_platform
    from ui.sd_notify import Notifier
    from ui.shell import Shell
    from ui.tasks import Tasks

    if locked:
        prepare_kiosk_platform()  # after the scrub: the one Qt variable the kiosk sets itself
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Kite")
    theme.apply(app, theme.Appearance())
    tasks = Tasks(app)
    context = Context(tasks=tasks, mode=early.mode, default_language=early.language)
    context.languages.set(early.language)
    shell = Shell(context)
    guard = FailureGuard(shell)
    guard.restart_requested.connect(app.exit)
    hooks.on_ui_failure = guard.ui_failed
    liveness = Liveness(shell.signin, Notifier())
    if locked:
        lock_down(app, shell)
    else:
        shell.resize(1280, 800)
        shell.show()
    if args.exit_on_first_paint:
        shell.signin.first_paint.connect(lambda: app.exit(0))
        return app.exec()

    state: dict[str, Startup] = {}

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
        hooks.use_data_dir(settings.data_dir)
        context.default_language = settings.language
        if settings.language != context.languages.current:
            shell.set_language(settings.language)
        startup = Startup(app, shell, settings)
        state["startup"] = startup
        startup.begin()

    shell.signin.first_paint.connect(lambda: QTimer.singleShot(0, after_first_paint))
    # systemd stops the kiosk with SIGTERM: leave the event loop and end the session
    # properly (unfinished text becomes a draft). The timer lets Python run the handler.
    # exit(), not quit(): quit() closes the windows first, and the kiosk's refuses.
    signal.signal(signal.SIGTERM, lambda *_: app.exit(0))
    heartbeat = QTimer(app)
    heartbeat.start(250)
    code = app.exec()
    liveness.stopping()
    shell.end_session("sign_out")
    tasks.wait(5000)
    startup = state.get("startup")
    if startup is not None:
        startup.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
