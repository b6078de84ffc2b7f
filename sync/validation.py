"""Validation failures of server answers, described for logs and status without their data.

A refused answer can hold a message body, a PIN or an offline verifier, and
pydantic's error text quotes the offending value. Only the place of each
problem (its location) and its kind (the error type) leave this module: never
the input, the message (``msg`` may quote the input) or the context
(``ctx`` may hold it too). DESIGN: logs never contain message bodies or PINs.
"""

from __future__ import annotations

from pydantic import ValidationError

MAX_PROBLEMS = 3


def describe_validation_error(exc: ValidationError, limit: int = MAX_PROBLEMS) -> str:
    """``"resident.offline_verifier: string_too_short; ..."``: where and what kind, no values."""
    problems = exc.errors(include_input=False, include_context=False, include_url=False)
    parts = [
        f"{'.'.join(str(part) for part in problem['loc']) or '(answer)'}: {problem['type']}"
        for problem in problems[:limit]
    ]
    more = len(problems) - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)
