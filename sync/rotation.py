"""Rotating this terminal's device credential: right after enrollment, then on a schedule.

``POST /v1/device/rotate`` answers the next credential; the server keeps the current
one working until the next one is first used, and treats any later use of the
old one as theft (the device is suspended). So the order here is what makes a
kill at any instruction harmless:

1. ask (kill before the answer, or after it but before step 2: the keyring still
   holds the current credential, which still works; the unused answer is
   superseded by the next rotation);
2. store the new credential in the keyring, replacing the old one (the file
   keyring replaces its file in one rename: the old credential or the new, never
   neither), then its time;
3. the next request uses it (kill before that: the keyring holds a credential the
   server accepts and promotes on first use).

The old credential is never used again once the new one is stored: every request
reads the keyring. A request of another thread that read the old one just before
step 2 may reach the server after the new one's first use; the server refuses it
without suspending (``credential_rotated``, within its grace) and the client sends
it again with the new one (``sync.client``). Two processes of one terminal (the
kiosk and ``kite-admin sync``) never rotate at once: rotation holds a lock file in
``data_dir`` and checks again under it whether a rotation is still due.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.clock import Clock, utcnow
from kiosk.config import Settings
from sync import faults
from sync.client import SyncClient
from sync.credentials import CredentialStore
from sync.errors import RequestRefused, TransientError
from sync.protocol import RotateResponse
from sync.validation import parse_answer

log = logging.getLogger(__name__)

LOCK_FILE = "rotation.lock"
#: After a failed rotation, wait this long before trying again (the push still runs).
RETRY_AFTER = timedelta(minutes=10)


class CredentialRotation:
    """Rotates the credential when it is due; owned by the sync worker."""

    def __init__(
        self,
        settings: Settings,
        client: SyncClient,
        credentials: CredentialStore,
        clock: Clock = utcnow,
    ) -> None:
        self.settings = settings
        self.client = client
        self.credentials = credentials
        self.clock = clock
        self.period = timedelta(days=settings.credential_rotation_days)
        self._failed_at: datetime | None = None

    def due(self) -> bool:
        """No known time (just enrolled, or enrolled before rotation existed), or too old."""
        since = self.credentials.credential_since()
        return since is None or self.clock() - since >= self.period

    def rotate_if_due(self) -> bool:
        """Rotate now if due; True if it did. A refusal or a failed attempt is logged and
        tried again later (it never holds the push up); a suspension, revocation or
        protocol mismatch is raised for the worker to act on."""
        now = self.clock()
        if self._failed_at is not None and now - self._failed_at < RETRY_AFTER:
            return False
        if not self.credentials.credential() or not self.due():
            return False
        try:
            with _only_process(self.settings.data_dir):
                if not self.due():  # another process of this terminal rotated meanwhile
                    return False
                self.rotate()
        except (TransientError, RequestRefused, OSError) as exc:
            # OSError: the lock file cannot be made (data_dir missing or read-only).
            self._failed_at = now
            log.warning("credential rotation failed, trying again later: %s", exc)
            return False
        self._failed_at = None
        return True

    def rotate(self) -> None:
        """Ask for the next credential and keep it (see the module docstring for the order)."""
        faults.point("rotate.before_send")
        raw = self.client.request_bytes("POST", "/v1/device/rotate", body={})
        answer = parse_answer(raw, RotateResponse, "rotation answer")
        faults.point("rotate.after_answer")
        self.credentials.store_credential(answer.credential)
        self.credentials.store_credential_since(self.clock())
        faults.point("rotate.after_store")
        log.info("device credential rotated")


@contextlib.contextmanager
def _only_process(data_dir: Path) -> Iterator[None]:
    """An exclusive lock on ``data_dir/rotation.lock`` for one rotation (released on exit,
    and by the kernel if the process dies)."""
    with open(data_dir / LOCK_FILE, "a", encoding="ascii") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
