"""(1.8) A terminal's health report: what IT watches a fleet by.

``POST /v1/device/health`` with a :class:`HealthReport`, answered with a
:class:`HealthAck`. The terminal sends one as its worker starts and then every
``HEALTH_EVERY_S`` (``sync.health_report``); the server keeps the latest per device
and staff see it in the device list, with ``stale`` once a device has not reported
for ``STALE_AFTER_S``. No resident's data is in it: counts, times and bytes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sync.protocol.common import UtcTime, WireModel

#: How often the reference terminal reports.
HEALTH_EVERY_S = 15 * 60
#: A device not heard from for this long is listed as stale (four missed reports).
STALE_AFTER_S = 4 * HEALTH_EVERY_S

Count = Annotated[int, Field(ge=0, le=2**31)]


class HealthReport(WireModel):
    """The terminal as it sees itself now."""

    #: The sync worker's state (``sync.status``: ``online``, ``offline``, ...).
    sync_state: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z_]+$")]
    #: Outbox items waiting to go, and items the server refused for good.
    queue_waiting: Count
    queue_failed: Count
    #: When a round last reached the server (null: never since the terminal started).
    last_sync_at: UtcTime | None
    #: Free bytes on the terminal's data volume.
    disk_free_bytes: Annotated[int, Field(ge=0, le=2**62)]
    #: Sync failures since the terminal started (each failed round counts once).
    errors_since_start: Count
    #: When the terminal's process started.
    started_at: UtcTime


class HealthAck(WireModel):
    """The server kept the report; ``next_report_s`` is when it expects the next one."""

    next_report_s: Annotated[int, Field(ge=60, le=86_400)]
