"""Strict reading of server answers, and their failures described for logs without their data.

Every answer body from the server is read by :func:`loads_strict` (the client's
``request_json``, the pull, the push, reconcile and sign-in all go through it or
through :func:`parse_answer`): JSON whose nesting is deeper than
:data:`MAX_DEPTH`, whose size passes :data:`MAX_ANSWER_BYTES`, or whose objects
repeat a key is refused before anything of it is used. The depth is measured on
the raw bytes *before* decoding, so a body of 100,000 ``[`` never reaches a
recursive decoder; a duplicate key is refused because JSON leaves its meaning
open ("last wins" would let a page carry two ``changes`` lists and have the
terminal store one of them while its cursor moves past both).

A refused answer can hold a message body, a PIN or an offline verifier, and
pydantic's error text quotes the offending value. Only the place of each
problem (its location) and its kind (the error type) leave this module: never
the input, the message (``msg`` may quote the input) or the context
(``ctx`` may hold it too). DESIGN: logs never contain message bodies or PINs.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sync.errors import InvalidResponse

MAX_PROBLEMS = 3
#: The deepest nesting of objects and arrays a valid answer has is about 6 (a
#: reconcile snapshot's ledger entry); far above that is a hostile or broken server.
MAX_DEPTH = 32
#: As the client's cap on a body (``sync.client.MAX_RESPONSE_BYTES``).
MAX_ANSWER_BYTES = 256 * 1024 * 1024

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")

M = TypeVar("M", bound=BaseModel)


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


def nesting_depth_within(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the brackets of ``raw`` (outside its strings) nest at most ``limit`` deep.

    Without recursion and in a few passes of C-speed regexes: strings are blanked
    (JSON's only place for a ``"``), everything but brackets dropped, then empty
    pairs removed once per level. Brackets left after ``limit`` passes, or that no
    pass can remove (unbalanced), mean refuse.
    """
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b'""', raw))
    for _ in range(limit):
        if not brackets:
            return True
        brackets, removed = _EMPTY_PAIR.subn(b"", brackets)
        if not removed:
            return False
    return not brackets


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key[:40]!r}")
            seen.add(key)
    return doc


def loads_strict(raw: bytes, what: str) -> Any:
    """The JSON value of an answer body, or :class:`InvalidResponse` saying why it is refused.

    Refuses a body past :data:`MAX_ANSWER_BYTES`, nested past :data:`MAX_DEPTH`,
    with a repeated object key, or that is not JSON; no other exception leaves.
    """
    if len(raw) > MAX_ANSWER_BYTES:
        raise InvalidResponse(f"{what}: answer larger than {MAX_ANSWER_BYTES} bytes; refused")
    if not nesting_depth_within(raw):
        raise InvalidResponse(f"{what}: answer nested deeper than {MAX_DEPTH} levels; refused")
    try:
        return json.loads(raw, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError, MemoryError) as exc:
        # ValueError covers JSONDecodeError, bad UTF-8 and a repeated key.
        raise InvalidResponse(f"{what}: answer is not strict JSON ({exc})") from None


def parse_answer(raw: bytes, model: type[M], what: str) -> M:
    """``model`` read strictly from an answer body (:func:`loads_strict`, then validation)."""
    doc = loads_strict(raw, what)
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise InvalidResponse(
            f"{what} failed validation: {describe_validation_error(exc)}"
        ) from None
    except Exception as exc:  # a validator's TypeError...: never let one escape
        raise InvalidResponse(f"{what}: answer could not be validated ({exc!r})") from None
