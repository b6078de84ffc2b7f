"""What benchmark modules share: a result row, a timer, the machine description, the table."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    """One measured figure against its budget.

    ``higher_is_better``: a rate (messages/s) must reach the budget; a time must
    stay under it. ``ratio`` is filled when the budget itself is a ratio
    (e.g. deep page time / first page time).
    """

    figure: str
    budget: float
    measured: float
    unit: str
    higher_is_better: bool = False
    is_ratio: bool = False

    @property
    def ok(self) -> bool:
        if self.higher_is_better:
            return self.measured >= self.budget
        return self.measured <= self.budget

    def cells(self) -> tuple[str, str, str, str, str]:
        sign = ">=" if self.higher_is_better else "<="
        budget = f"{sign} {_fmt(self.budget)} {self.unit}".strip()
        measured = f"{_fmt(self.measured)} {self.unit}".strip()
        ratio = f"{self.measured:.2f}" if self.is_ratio else ""
        return (self.figure, budget, measured, ratio, "ok" if self.ok else "OVER BUDGET")


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def median_ms(action: Callable[[], object], repeat: int = 15, warmup: int = 2) -> float:
    """Median wall time of ``action`` in milliseconds."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def machine() -> dict[str, str]:
    """Cores, CPU model and Python of this machine."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": str(os.cpu_count() or "?"),
        "cpu": model,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
    }


HEADER = ("figure", "budget", "measured", "ratio", "verdict")


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + " --- |" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)
