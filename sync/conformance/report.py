"""The run's table: one line per scenario and schemathesis role, PASS or FAIL, and the guesses."""

from __future__ import annotations

from collections.abc import Iterable

from sync.conformance.guesses import BY_KEY
from sync.conformance.scenarios import Outcome


def table(outcomes: Iterable[Outcome], guesses: Iterable[str] = ()) -> str:
    rows = list(outcomes)
    width = max([len(o.name) for o in rows] + [8])
    lines = [f"{'scenario':<{width}}  result  seconds  detail"]
    for outcome in rows:
        verdict = "PASS" if outcome.passed else "FAIL"
        detail = " ".join(outcome.detail.split())
        if len(detail) > 400:
            detail = detail[:400] + "..."
        lines.append(f"{outcome.name:<{width}}  {verdict:<6}  {outcome.seconds:7.2f}  {detail}")
    passed = sum(o.passed for o in rows)
    lines.append(f"{passed}/{len(rows)} passed")
    used = sorted(set(guesses))
    if used:
        lines.append("")
        lines.append("guesses the client had to make (docs/conformance.md):")
        for name in used:
            guess = BY_KEY[name]
            lines.append(f"- {name}: {guess.client}")
    return "\n".join(lines)


def all_passed(outcomes: Iterable[Outcome]) -> bool:
    rows = list(outcomes)
    return bool(rows) and all(o.passed for o in rows)
