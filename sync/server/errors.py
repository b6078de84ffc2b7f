"""Errors as answers: every refusal is a 4xx with ``{"error": {code, message, params}}``."""

from __future__ import annotations

from typing import Any

from sync.protocol import ErrorBody, ErrorDetail


class ApiError(Exception):
    """Raised anywhere in a request; the app turns it into its status and error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        /,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.params = params
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, **self.params)


class Rejection(Exception):
    """A domain rule refused one pushed item (or a family/staff action): a reason code."""

    def __init__(self, reason: str, /, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def error_body(code: str, message: str, /, **params: Any) -> dict[str, Any]:
    detail = ErrorDetail.model_construct(code=code, message=message, params=params)  # type: ignore[arg-type]
    return ErrorBody.model_construct(error=detail).model_dump(mode="json")


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"no such {what}", what=what)
