"""Refusals of a device's queued work that are not its residents' doing, counted for staff.

A resident's own refusals (not enough stamps, a blocked contact...) reach him on his
terminal. These others mean the terminal, its image or something on the way is wrong,
and only IT can act: items that do not validate (``invalid_payload``), a key reused for
another item, an audit chain seq taken, an item for a resident without his proof
(``resident_unproven``: a tampered terminal, or one acting for residents it should not),
and whole requests refused for their sequence (``sequence_regressed``). Each is counted
per device and reason with the time of the last, and shown in ``GET /v1/staff/devices``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sync.server.models import Base

#: Item-level reasons that are the terminal's (or its path's), never a resident's.
DEVICE_REASONS = frozenset(
    {"invalid_payload", "idempotency_key_reused", "audit_seq_taken", "resident_unproven"}
)


class DeviceRefusal(Base):
    """How many of a device's requests or items were refused for ``reason``, and when last."""

    __tablename__ = "device_refusals"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime]


def note(session: Session, device_id: str, reasons: Iterable[str | None], now: datetime) -> None:
    """Count the reasons among ``reasons`` that are the device's, in the caller's transaction."""
    counted = Counter(r for r in reasons if r in DEVICE_REASONS or r == "sequence_regressed")
    for reason, times in counted.items():
        assert reason is not None
        row = session.get(DeviceRefusal, (device_id, reason), with_for_update=True)
        if row is None:
            row = DeviceRefusal(device_id=device_id, reason=reason, count=0, last_at=now)
            session.add(row)
        row.count = (row.count or 0) + times
        row.last_at = now


def of_devices(session: Session, device_ids: Iterable[str]) -> dict[str, list[DeviceRefusal]]:
    """Each device's refusal counts, by reason."""
    found: dict[str, list[DeviceRefusal]] = {}
    query = (
        select(DeviceRefusal)
        .where(DeviceRefusal.device_id.in_(list(device_ids)))
        .order_by(DeviceRefusal.device_id, DeviceRefusal.reason)
    )
    for row in session.execute(query).scalars():
        found.setdefault(row.device_id, []).append(row)
    return found
