"""What both namespaces do with client input: validation and refusals in one shape."""

from __future__ import annotations

from typing import Any

import socketio
from marshmallow import Schema, ValidationError

from arsnova.errors import ArsnovaError, BadRequest


def load(schema: Schema, data: Any) -> dict[str, Any]:
    """Loads a client payload; a refusal is `validation-failed` naming the fields."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise BadRequest(
            "The payload is invalid.", code="validation-failed", errors=errors
        ) from None


def error_body(exc: ArsnovaError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.errors is not None:
        body["errors"] = exc.errors
    if exc.retry_after_ms is not None:
        body["retryAfterMs"] = exc.retry_after_ms
    return body


def connection_refused(exc: ArsnovaError) -> socketio.exceptions.ConnectionRefusedError:
    """A refusal whose `connect_error` data is `{"code", "message", "data"}` (and
    `retryAfterMs` if the client may come back): the fields once more in `data`,
    the only part the JavaScript client (socket.io-client 4) passes on, as `err.data`.

    python-socketio would stringify a single argument into `message`, so the
    data is set directly.
    """
    body = error_body(exc)
    refusal = socketio.exceptions.ConnectionRefusedError(exc.message)
    refusal.error_args = {**body, "data": body}
    return refusal
