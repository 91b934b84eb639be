"""URLs that clients send (redirect targets, `Origin`, `Referer`): split them here.

`urllib.parse.urlsplit` raises ValueError on some malformed URLs (`http://[`);
going through `split_url` makes that the sender's 400 instead of a 500.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from arsnova.errors import BadRequest


def split_url(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:
        raise BadRequest(f"Not a valid URL: {url[:200]!r}.", code="invalid-url") from None
