"""Retries back off exponentially with full jitter and never come back before Retry-After."""

from __future__ import annotations

import random

from sync.backoff import Backoff


def test_delays_stay_within_the_exponential_window() -> None:
    random.seed(7)
    backoff = Backoff(base_s=1.0, cap_s=60.0)
    for failures in range(1, 12):
        window = min(60.0, 2.0 ** (failures - 1))
        delays = [backoff.delay(failures) for _ in range(200)]
        assert all(0.0 <= d <= window for d in delays)
    assert max(backoff.delay(30) for _ in range(500)) > 30.0  # the window really widens to the cap


def test_jitter_spreads_terminals_apart() -> None:
    random.seed(11)
    delays = {round(Backoff(base_s=1.0, cap_s=60.0).delay(6), 3) for _ in range(50)}
    assert len(delays) > 40


def test_retry_after_is_a_floor() -> None:
    backoff = Backoff(base_s=0.01, cap_s=0.05)
    assert all(backoff.delay(1, retry_after=12.0) == 12.0 for _ in range(20))
