"""The terminal's health report to the server (protocol 1.8): what IT watches a fleet by.

The sync worker reports as its first round runs and then every ``next_report_s`` the
server asks (``HEALTH_EVERY_S`` by default): its sync state, queue depth, last good
sync, free disk and failures since start (``sync.protocol.health``). A report is a
courtesy, never a condition: a failed one is tried again at the next round after a
minute, and a server that does not know the endpoint (protocol 1.7 or before: 404)
is not asked again until the terminal restarts. Nothing in it names a resident.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta

from kiosk.clock import Clock, utcnow
from kiosk.config import Settings
from sync.client import SyncClient
from sync.errors import InvalidResponse, RequestRefused, TransientError
from sync.protocol import HEALTH_EVERY_S, HealthAck, HealthReport
from sync.status import SyncStatus
from sync.validation import parse_answer

log = logging.getLogger(__name__)

#: After a failed report, wait this long before the next attempt.
RETRY_AFTER = timedelta(minutes=1)


class HealthReporter:
    """Sends the worker's health when due; owned by the sync worker."""

    def __init__(
        self,
        settings: Settings,
        client: SyncClient,
        status: Callable[[], SyncStatus],
        clock: Clock = utcnow,
    ) -> None:
        self.settings = settings
        self.client = client
        self.status = status
        self.clock = clock
        self.started_at = clock()
        self.errors = 0  # failed rounds since start (the worker counts them)
        self.next_at: datetime | None = None  # None: now
        self.unsupported = False

    def report_if_due(self) -> bool:
        """Report now if due; True if the server took it.

        A report that fails is tried again later and raises nothing, but a refusal of the
        device itself (revoked, suspended, credential refused, clock, protocol) is raised,
        as from any request, for the worker to act on."""
        now = self.clock()
        if self.unsupported or (self.next_at is not None and now < self.next_at):
            return False
        try:
            raw = self.client.request_bytes(
                "POST", "/v1/device/health", body=self.report().model_dump(mode="json")
            )
            ack = parse_answer(raw, HealthAck, "health answer")
        except RequestRefused as exc:
            if exc.status in (404, 405):
                self.unsupported = True  # an older server: it has nowhere to keep it
                log.info("the server takes no health reports (protocol 1.7 or before)")
            else:
                self.next_at = now + RETRY_AFTER
                log.warning("health report refused: %s", exc)
            return False
        except (TransientError, InvalidResponse, OSError) as exc:
            self.next_at = now + RETRY_AFTER
            log.info("health report not sent, trying again later: %s", exc)
            return False
        self.next_at = now + timedelta(seconds=ack.next_report_s or HEALTH_EVERY_S)
        return True

    def seconds_until_due(self) -> float:
        """How long the worker may sleep before the next report is due."""
        if self.unsupported:
            return float("inf")
        if self.next_at is None:
            return 0.0
        return max(0.0, (self.next_at - self.clock()).total_seconds())

    def report(self) -> HealthReport:
        status = self.status()
        try:
            free = shutil.disk_usage(self.settings.data_dir).free
        except OSError:
            free = 0
        return HealthReport(
            sync_state=status.state,
            queue_waiting=status.items_waiting,
            queue_failed=status.items_failed,
            last_sync_at=status.last_success_at,
            disk_free_bytes=free,
            errors_since_start=self.errors,
            started_at=self.started_at,
        )
