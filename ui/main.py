"""``kite``: the resident terminal's entry point.

Start order, for a fast first paint: read the configuration (a bad one stops
with a message and exit status 2), paint the sign-in screen, and only then open
the store, the core and the sync worker on a background thread.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

log = logging.getLogger("kite")


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
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from kiosk.config import ConfigError, config_path, load_settings

    try:
        settings = load_settings(*config_path(args.config))
    except ConfigError as exc:
        print(f"kite: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    from PySide6.QtWidgets import QApplication

    from ui import theme
    from ui.context import Context
    from ui.lockdown import EscapeFilter, apply_kiosk_window
    from ui.shell import Shell
    from ui.tasks import Tasks

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Kite")
    theme.apply(app, theme.Appearance())
    tasks = Tasks(app)
    context = Context(tasks=tasks, mode=settings.mode)
    context.languages.set(settings.language)
    shell = Shell(context)
    if settings.mode == "kiosk" and not args.windowed:
        app.installEventFilter(EscapeFilter(app))
        apply_kiosk_window(shell)
    else:
        shell.resize(1280, 800)
        shell.show()

    from ui.startup import Startup

    startup = Startup(app, shell, settings)
    shell.signin.first_paint.connect(startup.begin)
    code = app.exec()
    startup.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
