"""What every screen shares: the core (once open), the task runner, languages, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ui.i18n import Languages
from ui.tasks import Tasks

if TYPE_CHECKING:
    from kiosk.core import Core


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """Handed to every screen; ``core`` is None until the store has opened after first paint."""

    tasks: Tasks
    languages: Languages = field(default_factory=Languages)
    core: Core | None = None
    mode: str = "kiosk"
    # The kiosk's own language (its configuration): the sign-in screen's, and where the
    # screens go back to when a resident who chose another signs out.
    default_language: str = "en"
    now: Callable[[], datetime] = _utcnow
