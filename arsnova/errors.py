"""Domain errors with a stable machine-readable code and an HTTP status.

The data layer and the handlers raise these; one middleware turns them into
`{"code", "message"}` JSON, and the socket namespaces into error acks.
"""

from __future__ import annotations


class ArsnovaError(Exception):
    status = 400
    code = "bad-request"
    default_message = "The request is invalid."
    headers: dict[str, str] | None = None  # extra response headers (a class's, or one error's)
    retry_after_ms: int | None = None  # when a refused client may try again (socket refusals)

    def __init__(
        self, message: str | None = None, *, code: str | None = None, errors: dict | None = None
    ) -> None:
        self.message = message or self.default_message
        if code:
            self.code = code
        self.errors = errors
        super().__init__(self.message)


class BadRequest(ArsnovaError):
    pass


class NotFound(ArsnovaError):
    status = 404
    code = "not-found"
    default_message = "No such resource."


class PayloadTooLarge(ArsnovaError):
    status = 413
    code = "body-too-large"
    default_message = "The body is too large."


class RequestTimeout(ArsnovaError):
    status = 408
    code = "request-timeout"
    default_message = "The body did not arrive in time."


class UnsupportedMediaType(ArsnovaError):
    status = 415
    code = "unsupported-media-type"
    default_message = "The body must be JSON (Content-Type: application/json)."


class Conflict(ArsnovaError):
    status = 409
    code = "conflict"
    default_message = "The request conflicts with the current state."


class DatabaseUnavailable(ArsnovaError):
    status = 503
    code = "database-unavailable"
    default_message = "The database is not reachable; try again shortly."


class Overloaded(ArsnovaError):
    """More connects and joins wait than ARSNOVA_OVERLOAD_QUEUE: send new clients elsewhere."""

    status = 503
    code = "overloaded"
    default_message = "This node is busy admitting clients; try another one."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": "5"}


class Unauthorized(ArsnovaError):
    status = 401
    code = "login-required"
    default_message = "Log in first."


class InvalidToken(Unauthorized):
    """A bearer token that is missing where required, malformed, unknown, expired or revoked."""

    code = "invalid-token"
    default_message = "The bearer token is missing, malformed, unknown, expired or revoked."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, errors: dict | None = None
    ) -> None:
        super().__init__(message, code=code, errors=errors)
        self.headers = {"WWW-Authenticate": 'Bearer realm="arsnova", error="invalid_token"'}


class Forbidden(ArsnovaError):
    status = 403
    code = "forbidden"
    default_message = "You may not do this."


class NotImplementedHere(ArsnovaError):
    status = 501
    code = "not-implemented"
    default_message = "This request is not supported."


class InternalError(ArsnovaError):
    """A failure of ours, not the client's: logged with its traceback, answered without it."""

    status = 500
    code = "internal-error"
    default_message = "The request failed on the server."
