"""URLs that clients send (redirect targets, `Origin`, `Referer`): split them here; our own origin.

`urllib.parse.urlsplit` raises ValueError on some malformed URLs (`http://[`);
going through `split_url` makes that the sender's 400 instead of a 500.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from aiohttp import web

from arsnova.errors import BadRequest


def split_url(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:
        raise BadRequest(f"Not a valid URL: {url[:200]!r}.", code="invalid-url") from None


def own_origin(request: web.Request) -> str:
    """The origin this request came to (behind a trusted proxy, the one the browser used)."""
    return f"{request.scheme}://{request.host}"
