"""The sandbox's error type and its JSON body.

Every provider 4xx answers `{"message": ..., "code": ..., "errors": {...}}`; `errors` is present
only when a field is to blame. Handlers raise `ApiError`; one exception handler renders it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class ApiError(Exception):
    """An error answer: HTTP status, snake_case code, a clear sentence and field errors."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        """The JSON body of the answer."""
        body: dict[str, Any] = {"message": self.message}
        if self.code is not None:
            body["code"] = self.code
        if self.errors:
            body["errors"] = self.errors
        return body


def invalid(field: str, message: str, code: str = "validation_failed") -> ApiError:
    """A 422 blaming one field."""
    return ApiError(422, code, message, {field: [message]})


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render an `ApiError` raised anywhere in the app."""
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own validation errors (e.g. a body that is not JSON) in the sandbox's format."""
    assert isinstance(exc, RequestValidationError)
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        field = ".".join(str(part) for part in err.get("loc", ()) if part != "body") or "body"
        errors.setdefault(field, []).append(str(err.get("msg", "invalid")))
    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        return JSONResponse(
            {"message": "The request body is not valid JSON.", "code": "invalid_json"},
            status_code=422,
        )
    return JSONResponse(
        {"message": "The request is invalid.", "code": "validation_failed", "errors": errors},
        status_code=422,
    )
