"""An open student page survives a server crash: it says it is offline, comes back by itself
and shows what changed; a deleted session is explained in words. When the server is stopped
(SIGTERM) the pages say they are offline at once, not once it is gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from playwright.async_api import expect

from arsnova.auth import COOKIE_NAME
from tests.helpers import create_question
from tests.serve import Serve
from tests.web.conftest import LAPTOP, start_session

OFFLINE = "Offline: reconnecting"


def yes_no(subject: str) -> dict:
    """A published yes/no question about `subject`."""
    return {"questionType": "yesno", "subject": subject, "text": f"{subject}?", "active": True}


@pytest.fixture
def base_url(serve: Serve) -> str:
    """The browser tests' site is a real `arsnova serve` process here."""
    return serve.url


@pytest.fixture
async def lecturer(serve: Serve) -> AsyncIterator[aiohttp.ClientSession]:
    """The lecturer, over REST (its cookie outlives server restarts: logins are stored)."""
    async with aiohttp.ClientSession(
        base_url=serve.url, cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as http:
        async with http.get("/auth/login", params={"type": "guest"}) as response:
            assert response.status == 200
        yield http


async def call(http: aiohttp.ClientSession, method: str, path: str, **kwargs) -> dict | None:
    async with http.request(method, path, **kwargs) as response:
        assert response.status < 300, await response.text()
        return None if response.status == 204 else await response.json()


async def test_the_student_page_recovers_from_a_server_kill_and_shows_the_new_state(
    serve, lecturer, open_page, page_errors
):
    session = await call(lecturer, "POST", "/session/", json={"name": "Optics"})
    keyword = session["keyword"]
    await create_question(lecturer, keyword, **yes_no("Before"))
    student = await open_page(f"{serve.url}/join/{keyword}")
    before = student.locator("[data-question]", has_text="Before")
    await before.get_by_role("button", name="Yes", exact=True).click()
    await expect(before.locator(".my-answer")).to_be_visible()
    await student.evaluate("window.neverReloaded = true")

    await serve.kill()
    await expect(student.locator("#banner")).to_contain_text(OFFLINE)
    await serve.start()  # same port, same database
    # Changed right after the restart: whether the page has reconnected yet or not,
    # it must end up showing it (live event, or the reload after re-joining).
    await create_question(lecturer, keyword, **yes_no("After"))
    await call(lecturer, "POST", f"/session/{keyword}/lock", params={"lock": "true"})

    await expect(student.locator("#banner")).to_be_hidden()
    after = student.locator("[data-question]", has_text="After")
    await expect(after).to_be_visible()
    await expect(student.locator("#announcer")).to_have_text("New question: After")
    await expect(student.locator("#locked-notice")).to_be_visible()
    await expect(before.locator(".my-answer")).to_have_text("Your answer: Yes")
    await call(lecturer, "POST", f"/session/{keyword}/lock", params={"lock": "false"})
    await expect(student.locator("#locked-notice")).to_be_hidden()

    # The page works again with the same login: an answer and a feedback tap count.
    await after.get_by_role("button", name="No", exact=True).click()
    await expect(after.locator(".my-answer")).to_have_text("Your answer: No")
    good = student.get_by_role("button", name="All good")
    await good.click()
    await expect(good).to_have_attribute("aria-pressed", "true")  # acknowledged
    feedback = await call(lecturer, "GET", f"/session/{keyword}/feedback")
    assert feedback["values"] == [0, 1, 0, 0]
    assert await student.evaluate("window.neverReloaded") is True
    assert page_errors == []


async def test_a_deleted_session_is_explained_in_words(serve, lecturer, open_page, page_errors):
    session = await call(lecturer, "POST", "/session/", json={"name": "Acoustics"})
    keyword = session["keyword"]
    student = await open_page(f"{serve.url}/join/{keyword}", locale="de-DE")
    await expect(student.locator("#session-name")).to_have_text("Acoustics")
    await call(lecturer, "DELETE", f"/session/{keyword}")
    await expect(student.locator("#banner")).to_have_text(
        "Die Vorlesungs-Session wurde von der Lehrperson geschlossen."
    )
    # A reload (or a late joiner) is sent to the landing page, which says why.
    await student.reload()
    await student.wait_for_url("**/?notification=keyword-invalid")
    await expect(student.locator("#banner")).to_contain_text(
        "Zu diesem Schlüssel gibt es keine Vorlesungs-Session"
    )
    assert page_errors == []


async def test_the_pages_say_offline_while_the_server_stops_and_not_once_it_is_back(
    serve, lecturer, open_page, page_errors, screenshot
):
    teacher = await open_page(f"{serve.url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(teacher)
    student = await open_page(f"{serve.url}/join/{keyword}")
    await expect(student.locator("#session-name")).to_have_text("Physics I: Mechanics")
    # A request in flight, its body still coming: the stopping server waits for it.
    cookie = next(c.value for c in lecturer.cookie_jar if c.key == COOKIE_NAME)
    reader, writer = await asyncio.open_connection("127.0.0.1", serve.port)
    writer.write(
        b"POST /session/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: 100\r\nCookie: {COOKIE_NAME}={cookie}\r\n\r\n{{".encode()
    )
    await writer.drain()
    await call(lecturer, "GET", "/healthz")  # the server has taken that request in by now

    serve.process.terminate()
    for page in (teacher, student):
        await expect(page.locator("#banner")).to_contain_text(OFFLINE)
    await screenshot(student, "student-offline")
    await screenshot(teacher, "lecturer-offline")
    # ... while the server still drains that request: the pages did not wait for the end.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.read(1), 0.2)
    writer.close()
    assert await asyncio.wait_for(serve.process.wait(), 30) == 0

    await serve.start()
    for page in (teacher, student):
        await expect(page.locator("#banner")).to_be_hidden()
    assert page_errors == []
