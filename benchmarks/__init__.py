"""Speed and memory measurements: ``python -m benchmarks`` runs every ``bench_*.py``.

Each benchmark module defines ``run() -> list[Row]``. The runner prints one
table and writes it, with the machine it ran on, to ``docs/benchmarks.md``.
Budgets are what a resident or IT would notice; tests never time anything.
"""
