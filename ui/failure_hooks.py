"""Every failure logged and counted: the exception hooks, faulthandler and the log folder.

:class:`FailureHooks` replaces ``sys.excepthook`` (an exception that reaches the
top of the UI thread, including one raised in a Qt slot, which PySide hands to
that hook) and ``threading.excepthook`` (one that ends a thread), and turns on
``faulthandler`` (a hard crash, an abort, a watchdog's SIGABRT: the stack of every
thread). Before the configuration is read they write to standard error (the
journal); from :meth:`FailureHooks.use_data_dir` on, also to the terminal's log
folder, ``<data_dir>/logs``: ``faults.log`` (faulthandler) and ``errors.log``
(every warning and error the program logs, rotated), and each failure is counted
in the failure tally (:mod:`kiosk.failures`) that ``kite-admin status`` shows.

What is logged of a failure is its class, where it was raised and the stack (file,
line, function), never the exception's message: a message may quote what a
resident typed or read (a validation error shows its input), and logs never hold
message bodies or PINs.

A failure on the UI thread is handed to ``on_ui_failure`` (the shell's
:class:`ui.failure_guard.FailureGuard`), which ends the resident's session calmly.
This module imports no Qt: it is installed before Qt is loaded.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TextIO

from kiosk.failures import record_failure

log = logging.getLogger("kite.failure")

LOG_DIR = "logs"
FAULT_LOG = "faults.log"
ERROR_LOG = "errors.log"
ERROR_LOG_BYTES = 1_000_000  # per file; three files kept
UI_THREAD = "ui"


def describe(
    kind: type[BaseException], tb: TracebackType | None, where: str
) -> str:  # the lines logged for one failure
    """A failure for the log: class, place and stack, without the exception's message."""
    stack = "".join(traceback.format_tb(tb)) if tb is not None else "  (no stack)\n"
    return (
        f"unhandled {kind.__module__}.{kind.__qualname__} in {where} "
        f"(its message is not logged: it may hold a resident's data)\n"
        f"Traceback (most recent call last):\n{stack.rstrip()}"
    )


class FailureHooks:
    """The process's exception hooks and faulthandler; one per process."""

    def __init__(
        self,
        on_ui_failure: Callable[[str], None] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.on_ui_failure = on_ui_failure
        self._now = now
        self.data_dir: Path | None = None
        self._fault_file: TextIO | None = None
        self._handler: logging.Handler | None = None
        self._saved: tuple[object, object] | None = None
        self._faulthandler_was_on = False

    def install(self) -> None:
        """Take over both exception hooks and report hard crashes to standard error."""
        if self._saved is None:
            self._saved = (sys.excepthook, threading.excepthook)
            self._faulthandler_was_on = faulthandler.is_enabled()
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        if sys.stderr is not None:
            faulthandler.enable(file=sys.stderr, all_threads=True)

    def uninstall(self) -> None:
        """Give the hooks back (tests) and close the log files."""
        if self._saved is not None:
            sys.excepthook, threading.excepthook = self._saved  # type: ignore[assignment]
            self._saved = None
        faulthandler.disable()
        if self._faulthandler_was_on and sys.__stderr__ is not None:
            faulthandler.enable(file=sys.__stderr__, all_threads=True)
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler.close()
            self._handler = None
        if self._fault_file is not None:
            self._fault_file.close()
            self._fault_file = None

    def use_data_dir(self, data_dir: Path) -> Path | None:
        """Log into ``data_dir/logs`` and count failures there; the folder, or None if absent.

        The data folder is IT's to create (the kiosk refuses a missing one, see
        ``docs/store.md``): if it does not exist, the hooks stay on standard error.
        """
        if not data_dir.is_dir():
            log.warning("no data folder %s: failures are logged to standard error only", data_dir)
            return None
        folder = data_dir / LOG_DIR
        folder.mkdir(mode=0o700, exist_ok=True)
        self.data_dir = data_dir
        # faulthandler writes into a file descriptor it holds: the file stays open for good.
        fault_file = open(folder / FAULT_LOG, "a", encoding="utf-8")  # noqa: SIM115
        fault_file.write(f"--- Kite started {self._now().isoformat()}\n")
        fault_file.flush()
        faulthandler.enable(file=fault_file, all_threads=True)
        if self._fault_file is not None:
            self._fault_file.close()
        self._fault_file = fault_file
        if self._handler is None:
            handler = logging.handlers.RotatingFileHandler(
                folder / ERROR_LOG, maxBytes=ERROR_LOG_BYTES, backupCount=2, encoding="utf-8"
            )
            handler.setLevel(logging.WARNING)
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
            )
            logging.getLogger().addHandler(handler)
            self._handler = handler
        return folder

    # -- the hooks ---------------------------------------------------------------
    def _excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, (KeyboardInterrupt, SystemExit)):  # a stop asked for, not a failure
            sys.__excepthook__(kind, value, tb)
            return
        thread = threading.current_thread()
        where = UI_THREAD if thread is threading.main_thread() else f"thread:{thread.name}"
        self.failed(kind, tb, where)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "unknown"
        self.failed(args.exc_type, args.exc_traceback, f"thread:{name}")

    def failed(self, kind: type[BaseException], tb: TracebackType | None, where: str) -> None:
        """Log one failure, count it, and hand a UI-thread one to ``on_ui_failure``."""
        try:
            log.error("%s", describe(kind, tb, where))
            if self.data_dir is not None:
                record_failure(self.data_dir, kind.__qualname__, where, self._now())
        except Exception:  # the hook must never raise: that would hide the first failure
            print(f"kite: could not log or count a {kind.__qualname__}", file=sys.__stderr__)
        if where == UI_THREAD and self.on_ui_failure is not None:
            self.on_ui_failure(kind.__qualname__)
