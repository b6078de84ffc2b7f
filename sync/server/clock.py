"""The one place the server reads the time.

It is the system clock, unless ``KITE_CENTRAL_CLOCK_OFFSET_FILE`` names a file
holding a number of seconds to add to it. That is how a test (or an IT drill)
moves the server's time, say past a sign-in throttle, without waiting or
racing the real clock: write the new offset to the file (atomically: write a
temporary file, then rename it over). The file is read again whenever it
changes; a missing file means no offset.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

OFFSET_FILE_ENV = "KITE_CENTRAL_CLOCK_OFFSET_FILE"

_offset_file = os.environ.get(OFFSET_FILE_ENV) or None
_cached: tuple[tuple[int, int], timedelta] = ((-1, -1), timedelta(0))


def _offset(path: str) -> timedelta:
    global _cached
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return timedelta(0)
    stamp = (status.st_ino, status.st_mtime_ns)  # a rename brings a new inode
    if stamp != _cached[0]:
        with open(path, encoding="ascii") as file:
            _cached = (stamp, timedelta(seconds=float(file.read().strip() or 0)))
    return _cached[1]


def utcnow() -> datetime:
    now = datetime.now(UTC)
    if _offset_file is not None:
        now += _offset(_offset_file)
    return now
