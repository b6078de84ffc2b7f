"""The terminal's failure tally: how often it failed, and when and how last.

Every failure the terminal's exception hooks catch (an exception in a Qt slot or
a task's callback, an exception that ends a thread) is counted here, so that
``kite-admin status`` can show IT that a kiosk keeps failing even when each
failure ended calmly on screen. The tally is a small JSON file in the data
folder, replaced atomically, beside the sync engine's status file.

What it holds is a count, a time, the exception's class name and where it was
raised (``ui``, ``thread:<name>``): never a message, a traceback or anything a
resident typed or read.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

FAILURES_FILE = "failures.json"

_lock = threading.Lock()


@dataclass(frozen=True)
class FailureTally:
    """How many failures, and the last one's time, exception class and place."""

    count: int = 0
    last_at: datetime | None = None
    last_kind: str | None = None  # an exception's class name, e.g. "ZeroDivisionError"
    last_where: str | None = None  # "ui" or "thread:<name>"

    def to_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "last_at": self.last_at.isoformat() if self.last_at else None,
            "last_kind": self.last_kind,
            "last_where": self.last_where,
        }


def read_failures(data_dir: Path) -> FailureTally:
    """The tally in ``data_dir`` (none yet, or unreadable: a zero tally)."""
    try:
        raw = json.loads((data_dir / FAILURES_FILE).read_text(encoding="utf-8"))
        last_at = raw.get("last_at")
        return FailureTally(
            count=int(raw.get("count", 0)),
            last_at=datetime.fromisoformat(last_at) if last_at else None,
            last_kind=str(raw["last_kind"]) if raw.get("last_kind") else None,
            last_where=str(raw["last_where"]) if raw.get("last_where") else None,
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return FailureTally()


def record_failure(data_dir: Path, kind: str, where: str, now: datetime) -> FailureTally:
    """Count one failure of exception class ``kind`` raised at ``where``; return the new tally."""
    with _lock:
        tally = read_failures(data_dir)
        tally = FailureTally(
            count=tally.count + 1, last_at=now, last_kind=kind[:120], last_where=where[:120]
        )
        fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".failures.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(tally.to_json(), handle)
            os.replace(tmp, data_dir / FAILURES_FILE)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return tally
