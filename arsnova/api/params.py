"""Parsing request bodies through schemas, with the standard error codes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web
from marshmallow import Schema

from arsnova.errors import BadRequest, PayloadTooLarge, RequestTimeout, UnsupportedMediaType
from arsnova.keys import settings_key
from arsnova.schemas.common import ListQuerySchema
from arsnova.store.common import Page


async def load_body(request: web.Request, schema: Schema) -> Any:
    """Reads a JSON body and loads it through `schema`.

    415 for another content type, 413 past `ARSNOVA_MAX_BODY`, 408 for a body
    still incomplete after `ARSNOVA_BODY_TIMEOUT_MS` (a client trickling it in
    would otherwise hold its connection and handler for as long as it likes), 400
    `invalid-json` for text that is not JSON (or nested too deep to parse),
    400 `validation-failed` (from the middleware) for JSON the schema refuses.
    """
    if request.content_type != "application/json":
        raise UnsupportedMediaType()
    settings = request.app[settings_key]
    try:
        async with asyncio.timeout(settings.body_timeout):
            raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge(f"The body is larger than {settings.max_body} bytes.") from None
    except TimeoutError:
        raise RequestTimeout() from None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest("The body is not valid JSON.", code="invalid-json") from None
    return schema.load(data)


def load_query(request: web.Request, schema: Schema) -> Any:
    """Loads the query string (the last value of a repeated parameter wins)."""
    return schema.load(dict(request.query))


def page_of(query: dict[str, Any], schema: ListQuerySchema) -> Page:
    """The sorting and slicing asked for by the seed's global list parameters."""
    sort = query.get("sort")
    return Page(
        sort=schema.sortable[sort] if sort else None,
        descending=query.get("order") == "desc",
        limit=query.get("limit"),
        offset=query.get("offset", 0),
    )
