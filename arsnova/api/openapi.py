"""The OpenAPI 3 document at /openapi.json, built from the routes and their schemas.

Every handler declares what it reads and answers with `@operation(...)`; the
document is assembled once at start from the app's own route table, so no
route is left out: one without `@operation` is marked `x-undocumented`, and
a test fails on any such mark.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from aiohttp import web
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from arsnova import __version__
from arsnova.keys import openapi_key
from arsnova.ratelimit import HTTP_RULES
from arsnova.schemas.common import ErrorSchema, Millis
from arsnova.web import PAGE_PREFIXES, page_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TEXT = "text/plain"
UNDOCUMENTED = "x-undocumented"
STATIC = Path(__file__).parent / "static" / "docs"
SKIPPED_METHODS = ("HEAD", "OPTIONS", "*")  # OPTIONS: CORS preflights
UNDOCUMENTED_PREFIXES = ("/socket.io/", "/docs", *PAGE_PREFIXES)
UNDOCUMENTED_PATHS = ("/",)  # the landing page
PATH_PARAMETER = re.compile(r"{(\w+)(?::[^}]*)?}")
ERROR_DESCRIPTIONS = {
    400: "Invalid input (`invalid-json`, `validation-failed` with `errors` per field, …)",
    401: "Not logged in (`login-required`)",
    403: "Not allowed for this user (`owner-only`, `not-a-participant`, …)",
    404: "No such resource",
    408: "Body not received within ARSNOVA_BODY_TIMEOUT_MS (`request-timeout`)",
    409: "Conflicts with the current state",
    413: "Body larger than ARSNOVA_MAX_BODY (`body-too-large`)",
    415: "Body is not application/json (`unsupported-media-type`)",
    429: "Rate limit reached (`too-many-requests`); try again after `Retry-After` seconds",
    501: "Not supported",
    503: "Database unavailable",
}


@dataclass(frozen=True)
class Download:
    """A response that is a file to save: its media type; the body is binary, its name in
    Content-Disposition."""

    media_type: str


Response = Schema | Download | dict | str | None


@dataclass(frozen=True)
class Operation:
    summary: str
    description: str
    body: Schema | None = None
    query: Schema | None = None
    responses: dict[int, Response] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    login: bool = True
    body_also: dict[str, Any] | None = None  # another accepted body (a legacy shorthand)


def operation(
    *,
    responses: dict[int, Response],
    body: Schema | None = None,
    query: Schema | None = None,
    errors: tuple[int, ...] = (),
    login: bool = True,
    body_also: dict[str, Any] | None = None,
) -> Callable[[Handler], Handler]:
    """Documents a handler. A response value is a schema (JSON), TEXT, a Download, or None
    (no body).

    `login=True` adds the cookie requirement and 401; a body adds 400, 408, 413 and 415.
    """

    def document(handler: Handler) -> Handler:
        doc = (handler.__doc__ or handler.__name__.replace("_", " ")).strip()
        summary, _, description = doc.partition("\n")
        implied: tuple[int, ...] = (401,) if login else ()
        if body is not None:
            implied += (400, 408, 413, 415)
        elif query is not None:
            implied += (400,)
        handler.__openapi__ = Operation(  # type: ignore[attr-defined]
            summary=summary.strip(),
            description=description.strip(),
            body=body,
            query=query,
            responses=responses,
            errors=tuple(sorted(set(errors) | set(implied))),
            login=login,
            body_also=body_also,
        )
        return handler

    return document


def documented_routes(app: web.Application) -> list[tuple[str, str, Any]]:
    """(method, path, handler) of every route the document must cover."""
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        if path is None or route.method in SKIPPED_METHODS:
            continue
        if path.startswith(UNDOCUMENTED_PREFIXES) or path in UNDOCUMENTED_PATHS:
            continue
        found.append((route.method, path, route.handler))
    return found


def _content(schema: Schema | Download | dict | str) -> dict[str, Any]:
    if isinstance(schema, Download):
        return {schema.media_type: {"schema": {"type": "string", "format": "binary"}}}
    if schema == TEXT:
        return {TEXT: {"schema": {"type": "string"}}}
    return {"application/json": {"schema": schema}}


def schema_name(schema: type[Schema] | Schema) -> str:
    """`SessionCreateSchema` → `SessionCreate`; a partial instance → `SessionCreatePatch`."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type) and schema.partial:
        name += "Patch"
    return name


def build_spec(app: web.Application) -> dict[str, Any]:
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec(
        title="ARSnova-compatible classroom response server",
        version=__version__,
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "The ARSnova REST API. Errors are `{code, message}` JSON."},
    )
    plugin.map_to_openapi_type(Millis, "integer", "int64")
    spec.components.security_scheme(
        "cookie", {"type": "apiKey", "in": "cookie", "name": "JSESSIONID"}
    )
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler in documented_routes(app):
        meta: Operation | None = getattr(handler, "__openapi__", None)
        if meta is None:
            document = {
                "summary": handler.__name__,
                "responses": {"default": {"description": "undocumented"}},
                UNDOCUMENTED: True,
            }
        else:
            document = _operation_object(method, path, meta)
        paths.setdefault(path, {})[method.lower()] = document
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation_object(method: str, path: str, meta: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in PATH_PARAMETER.findall(path)
    ]
    if meta.query is not None:
        parameters.append({"in": "query", "schema": meta.query})
    responses: dict[str, Any] = {}
    for status, schema in meta.responses.items():
        responses[str(status)] = {"description": "Success"}
        if schema is not None:
            responses[str(status)]["content"] = _content(schema)
        if isinstance(schema, Download):
            responses[str(status)]["headers"] = {"Content-Disposition": {
                "description": "`attachment` with the file's name", "schema": {"type": "string"},
            }}  # fmt: skip
    errors = set(meta.errors)
    if "{keyword}" in path or (method, path) in HTTP_RULES:
        errors.add(429)  # keyword lookups are limited too (ratelimit.KEYWORD_MISS)
    for status in sorted(errors):
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS.get(status, "Error"),
            "content": {"application/json": {"schema": "Error"}},
        }
    result: dict[str, Any] = {
        "summary": meta.summary,
        "parameters": parameters,
        "responses": responses,
        "tags": [path.strip("/").split("/")[0] or "root"],
    }
    if meta.description:
        result["description"] = meta.description
    if meta.body is not None:
        content = _content(meta.body)
        if meta.body_also is not None:
            body = content["application/json"]["schema"]
            content["application/json"]["schema"] = {"oneOf": [body, meta.body_also]}
        result["requestBody"] = {"required": True, "content": content}
    if meta.login:
        result["security"] = [{"cookie": []}]
    return result


async def openapi_ctx(app: web.Application):
    """Builds the document once, after every route is registered."""
    app[openapi_key] = build_spec(app)
    yield


routes = web.RouteTableDef()


@routes.get("/openapi.json")
@operation(responses={200: None}, login=False)
async def get_openapi(request: web.Request) -> web.Response:
    """This OpenAPI 3 document."""
    return web.json_response(request.app[openapi_key])


@routes.get("/docs")
async def get_docs(request: web.Request) -> web.FileResponse:
    """Swagger UI for /openapi.json, served from the packaged swagger-ui-bundle."""
    return page_response(request, STATIC / "index.html")


def setup_openapi(app: web.Application) -> None:
    app.add_routes(routes)
    app.router.add_static("/docs/ui/", swagger_ui_bundle.swagger_ui_path)
    app.router.add_static("/docs/static/", STATIC)
    app.cleanup_ctx.append(openapi_ctx)
