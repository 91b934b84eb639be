"""A session's results to download (owner and admins): a workbook, or the questions as CSV.

The same data as the export task's JSON (`POST /session/{keyword}/export`), for
a lecturer's browser: plain links on the lecturer page (the login cookie goes along).
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from urllib.parse import quote

from aiohttp import web

from arsnova.api.openapi import Download, operation
from arsnova.api.params import load_query
from arsnova.api.sessions import owned_session
from arsnova.keys import store_key
from arsnova.schemas.session import RESULTS_LANGUAGES, ResultsQuerySchema
from arsnova.services.exports import SessionResults, file_name, gather_results, results_sheets
from arsnova.spreadsheets import CSV, XLSX, csv_bytes, xlsx_bytes
from arsnova.store.sessions import Session

routes = web.RouteTableDef()
results_query_schema = ResultsQuerySchema()


async def owned_results(request: web.Request) -> tuple[Session, SessionResults]:
    _user, session = await owned_session(request)
    return session, await gather_results(request.app[store_key], session)


def language_of(request: web.Request) -> str:
    """The sheets' language: `?lang=` (en, de), else the first of the browser's languages
    (Accept-Language, in its order) that the pages speak too, else English."""
    wanted = load_query(request, results_query_schema)["lang"]
    if wanted is not None:
        return wanted
    for tag in request.headers.get("Accept-Language", "").split(","):
        base = tag.split(";")[0].strip().lower().split("-")[0]
        if base in RESULTS_LANGUAGES:
            return base
    return RESULTS_LANGUAGES[0]


@routes.get("/session/{keyword}/results.xlsx")
@operation(query=results_query_schema, responses={200: Download(XLSX)}, errors=(403, 404))
async def download_workbook(request: web.Request) -> web.Response:
    """The session's results as an Excel workbook: sheets Questions (counts and shares per
    option and round), Free-text answers, Audience questions, Feedback."""
    session, results = await owned_results(request)
    # Writing a big workbook takes a while: off the event loop.
    body = await asyncio.to_thread(xlsx_bytes, results_sheets(results, language_of(request)))
    return attachment(body, XLSX, file_name(session, "xlsx"))


@routes.get("/session/{keyword}/results.csv")
@operation(query=results_query_schema, responses={200: Download(CSV)}, errors=(403, 404))
async def download_csv(request: web.Request) -> web.Response:
    """The workbook's Questions sheet as CSV (UTF-8 with a byte order mark, for Excel)."""
    session, results = await owned_results(request)
    body = csv_bytes(results_sheets(results, language_of(request))[0])
    return attachment(body, CSV, file_name(session, "csv"), charset="utf-8")


def attachment(body: bytes, media_type: str, name: str, charset: str | None = None) -> web.Response:
    """A file to save as `name` (RFC 6266: the UTF-8 name, and an ASCII one for old clients)."""
    disposition = f"attachment; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name)}"
    return web.Response(
        body=body,
        content_type=media_type,
        charset=charset,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def ascii_name(name: str) -> str:
    """Accents dropped, any other character that is not a plain one as `_`."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9 ._-]", "_", plain)
