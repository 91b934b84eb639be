"""A student page that a busy server refuses comes back by itself (issue 19): a refused
connection and a refused `setSession` are tried again after the server's `retryAfterMs`."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from arsnova.keys import load_key, sio_key
from arsnova.realtime.admission import ServerBusy
from tests.helpers import eventually

BUSY = "Many people are joining at once; you will be let in shortly."
RETRY_MS = 300


async def test_a_refused_connection_is_tried_again_and_the_page_joins(
    server: TestServer, base_url, keyword, open_page, page_errors, screenshot, monkeypatch
):
    admission = server.app[load_key]
    monkeypatch.setattr(admission, "queue_limit", 0)  # no place to wait: refused at once
    for _ in range(admission.concurrency):  # every turn taken, as by a hall joining
        await admission.slots.acquire()
    student = await open_page(f"{base_url}/join/{keyword}")
    banner = student.locator("#banner")
    await expect(banner).to_have_text(BUSY)
    await screenshot(student, "join-busy-student")

    for _ in range(admission.concurrency):
        admission.slots.release()
    await expect(banner).to_be_hidden()  # hidden again only by a join that succeeded
    namespace = server.app[sio_key].namespace_handlers["/"]
    joined = [state.keyword for state in namespace.sockets.values()]
    assert joined == [keyword]
    assert page_errors == []


async def test_a_refused_join_is_tried_again_after_the_hint(
    server: TestServer, base_url, keyword, open_page, page_errors, monkeypatch
):
    namespace = server.app[sio_key].namespace_handlers["/"]
    join = namespace.events["setSession"]
    attempts: list[str] = []

    async def busy_twice(sid: str, data: Any) -> dict[str, Any]:
        attempts.append(sid)
        if len(attempts) <= 2:
            raise ServerBusy(RETRY_MS)
        return await join(sid, data)

    monkeypatch.setitem(namespace.events, "setSession", busy_twice)
    student = await open_page(f"{base_url}/join/{keyword}")
    await eventually(lambda: len(attempts) == 3, what="the page asked three times")
    assert len(set(attempts)) == 1  # on the same connection
    await eventually(lambda: namespace.sockets[attempts[0]].keyword == keyword, what="joined")
    await expect(student.locator("#banner")).to_be_hidden()
    assert page_errors == []
