"""Domain errors. Routes map them to HTTP answers; the CLI prints them."""

from __future__ import annotations


class MinwonError(Exception):
    """Base class. ``field`` names the input that was wrong, when one was."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"error": type(self).__name__, "message": self.message, "field": self.field}


class ValidationError(MinwonError):
    status_code = 422


class NotFound(MinwonError):
    status_code = 404


class Conflict(MinwonError):
    status_code = 409


class PermissionDenied(MinwonError):
    status_code = 403


class AuthenticationFailed(MinwonError):
    status_code = 401
