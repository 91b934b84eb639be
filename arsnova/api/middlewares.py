"""The one error path: every failure becomes `{"code", "message"}` JSON.

Also assigns each request an id (echoed in `X-Request-Id` and in 500
bodies) and refuses bodies over `ARSNOVA_MAX_BODY` before they are read.
The Socket.IO endpoint is passed through untouched: engine.io answers its
own protocol errors.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from marshmallow import ValidationError

from arsnova.errors import ArsnovaError, PayloadTooLarge
from arsnova.keys import request_id_key, settings_key
from arsnova.schemas import ErrorSchema
from arsnova.store import translate_errors

log = logging.getLogger(__name__)

SOCKETIO_PATH = "/socket.io/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HTTP_CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    408: "request-timeout",
    409: "conflict",
    413: "body-too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    429: "too-many-requests",
    501: "not-implemented",
    503: "service-unavailable",
}
PASSED_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
error_schema = ErrorSchema()


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    errors: dict | None = None,
    request_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    if request_id is not None:
        body["request_id"] = request_id
    return web.json_response(error_schema.dump(body), status=status, headers=headers)


def _from_http_exception(exc: web.HTTPException) -> web.Response:
    message = exc.reason if exc.text is None or exc.text.startswith(f"{exc.status}:") else exc.text
    headers = {name: exc.headers[name] for name in PASSED_HEADERS if name in exc.headers}
    code = HTTP_CODES.get(exc.status, "http-error")
    return error_response(exc.status, code, message, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(SOCKETIO_PATH):
        return await handler(request)
    request_id = uuid.uuid4().hex
    request[request_id_key] = request_id
    try:
        max_body = request.app[settings_key].max_body
        if request.content_length is not None and request.content_length > max_body:
            raise PayloadTooLarge(f"The body is larger than {max_body} bytes.")
        with translate_errors():
            response = await handler(request)
    except ArsnovaError as exc:
        response = error_response(
            exc.status, exc.code, exc.message, errors=exc.errors, headers=exc.headers
        )
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        response = error_response(400, "validation-failed", "The input is invalid.", errors=errors)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _from_http_exception(exc)
    except Exception:
        log.exception(
            "unhandled error in %s %s",
            request.method,
            request.path,
            extra={"request_id": request_id},
        )
        response = error_response(
            500,
            "internal-error",
            "An unexpected error occurred; quote the request id when reporting it.",
            request_id=request_id,
        )
    response.headers["X-Request-Id"] = request_id
    return response
