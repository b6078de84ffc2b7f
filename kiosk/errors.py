"""Errors as values a person can act on.

The core never builds sentences for residents. It raises :class:`Refusal` with a
machine-readable ``code`` and parameters; the UI turns the code into a translated
sentence. Operators (IT, CLI) get :class:`OperatorError`, whose message is plain
English and says what happened and what to do. What the server sent but the
core cannot take is a :class:`ServerDataError`, for the sync engine to log and
refuse (it never reaches a resident).
"""

from __future__ import annotations

from typing import Any


class KiteError(Exception):
    """Base of every error Kite raises on purpose."""


class Refusal(KiteError):
    """A domain rule refused the request; ``code`` names the rule.

    Examples: ``insufficient_stamps``, ``contact_blocked``, ``account_locked``
    (params: ``until``), ``restricted`` (params: ``until``, ``reason``).
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"Refusal({self.code!r}, {self.params!r})"

    def __str__(self) -> str:
        if not self.params:
            return self.code
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params.items()))
        return f"{self.code} ({args})"


class OperatorError(KiteError):
    """Something an operator must fix (bad config, corrupt database, full disk)."""


class ServerDataError(ValueError):
    """A change or push answer from the server cannot be applied as given.

    The message names the kind of data and what is wrong with it. The sync
    engine refuses the whole page or answer and asks again later.
    """
