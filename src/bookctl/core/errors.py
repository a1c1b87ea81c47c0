"""The typed errors of bookctl and the one table that turns them into exit codes.

Every failure a user can meet is a :class:`BookctlError`; the CLI's single handler prints its
message and hint and exits with its ``exit_code``. Nothing else decides an exit code.
"""

from __future__ import annotations

from typing import Any, ClassVar

EXIT_OK = 0
EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4
EXIT_AUTH = 5
EXIT_UNREACHABLE = 6
EXIT_BATCH_FAILED = 7
EXIT_POLL_TIMEOUT = 8
EXIT_INTERRUPTED = 130


class BookctlError(Exception):
    """Base of every expected failure: a message, an optional hint and an exit code."""

    exit_code: ClassVar[int] = EXIT_BUG
    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}


class UsageError(BookctlError):
    """Bad input from the user: a flag, a value, a file."""

    exit_code = EXIT_USAGE
    code = "usage"


class LocalFileError(UsageError):
    """A local file (config, credentials, session, input) that cannot be read as it is."""

    code = "local_file"


class NotFoundError(BookctlError):
    exit_code = EXIT_NOT_FOUND
    code = "not_found"


class RefusedError(BookctlError):
    """The provider's rules said no: sold out, expired, wrong state, declined."""

    exit_code = EXIT_REFUSED
    code = "refused"


class AuthError(BookctlError):
    exit_code = EXIT_AUTH
    code = "auth"


class UnreachableError(BookctlError):
    """The provider could not be reached, or kept failing after the retries."""

    exit_code = EXIT_UNREACHABLE
    code = "unreachable"


class BatchFailedError(BookctlError):
    exit_code = EXIT_BATCH_FAILED
    code = "batch_failed"


class PollTimeoutError(BookctlError):
    exit_code = EXIT_POLL_TIMEOUT
    code = "poll_timeout"


class Interrupted(BookctlError):
    """Ctrl-C: what was done is on disk; the hint says how to go on."""

    exit_code = EXIT_INTERRUPTED
    code = "interrupted"


class ApiError(BookctlError):
    """An HTTP answer that is not a success, with what the provider said about it."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: Any = None,
        provider_code: str | None = None,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.body = body
        self.provider_code = provider_code
        self.request_id = request_id

    def to_json(self) -> dict[str, Any]:
        data = super().to_json()
        data["error"]["status"] = self.status
        if self.provider_code:
            data["error"]["provider_code"] = self.provider_code
        return data


class InvalidRequestError(ApiError):
    exit_code = EXIT_USAGE
    code = "invalid_request"


class ApiAuthError(ApiError):
    exit_code = EXIT_AUTH
    code = "auth"


class ApiNotFoundError(ApiError, NotFoundError):
    """A 404: a not-found error (exit 3) that also keeps what the provider answered."""

    exit_code = EXIT_NOT_FOUND
    code = "not_found"


class ApiRefusedError(ApiError):
    exit_code = EXIT_REFUSED
    code = "refused"


class ApiUnavailableError(ApiError):
    """429 or 5xx after the retries ran out."""

    exit_code = EXIT_UNREACHABLE
    code = "unavailable"


class UnknownOutcomeError(UnreachableError):
    """A state-changing call was sent but its answer was lost; reconcile before resending."""

    code = "unknown_outcome"


_STATUS_CLASSES: dict[int, type[ApiError]] = {
    400: InvalidRequestError,
    401: ApiAuthError,
    403: ApiAuthError,
    404: ApiNotFoundError,
    409: ApiRefusedError,
    410: ApiRefusedError,
    422: InvalidRequestError,
    429: ApiUnavailableError,
}

_STATUS_HINTS: dict[type[ApiError], str] = {
    InvalidRequestError: "check the values you passed; see the command's --help",
    ApiAuthError: "check the profile's API key: 'bookctl profile add NAME ... --api-key-stdin'",
    ApiNotFoundError: "check the id; list what exists with 'bookctl products'",
    ApiRefusedError: "the provider refused it as things stand",
    ApiUnavailableError: "the provider is failing; try again later, or run with -v to see why",
}


def api_error_class(status: int) -> type[ApiError]:
    """The error class for an HTTP status that is not a success."""
    if status in _STATUS_CLASSES:
        return _STATUS_CLASSES[status]
    if status >= 500:
        return ApiUnavailableError
    if status >= 400:
        return InvalidRequestError
    return ApiError


def default_hint(cls: type[ApiError]) -> str | None:
    return _STATUS_HINTS.get(cls)
