"""How long to wait before trying again: exponential backoff with full jitter.

The computation is tenacity's ``wait_random_exponential`` (the "full jitter"
scheme: uniform in [0, min(cap, base * 2**(n-1))]); tenacity is built around
calling functions, so we hand it the one field it reads, the attempt number.
A server's Retry-After is a floor: we never come back sooner than it asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import wait_random_exponential


@dataclass(frozen=True)
class _Attempt:
    attempt_number: int


class Backoff:
    """Delays for the n-th consecutive failure (n >= 1)."""

    def __init__(self, base_s: float = 1.0, cap_s: float = 300.0) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self._wait = wait_random_exponential(multiplier=base_s, max=cap_s)

    def delay(self, failures: int, retry_after: float | None = None) -> float:
        jittered = float(self._wait(_Attempt(max(1, failures))))  # type: ignore[arg-type]
        if retry_after is not None:
            return max(jittered, retry_after)
        return jittered
