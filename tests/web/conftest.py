"""Browser fixtures: Debian's Chromium driven by Playwright for Python.

Never a downloaded browser: `/usr/bin/chromium` comes from `apt-get install
chromium` (`.ci/run` installs it). Each simulated person gets a browser
context of their own (own cookies, own language, own screen size).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, async_playwright, expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
PROJECTOR = {"width": 1920, "height": 1080}
# A page is "loaded" for the tests once its script has filled the texts in.
TIMEOUT_MS = 15_000
# `make screenshots` points this at docs/screenshots; otherwise the test's tmp dir.
SCREENSHOT_DIR = "ARSNOVA_SCREENSHOT_DIR"

expect.set_options(timeout=TIMEOUT_MS)

OpenPage = Callable[..., Awaitable[Page]]


@pytest.fixture
def base_url(server: TestServer) -> str:
    """The site under test; a module may override it (a real `arsnova serve`, say)."""
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def browser(base_url: str, aiohttp_client) -> AsyncIterator[Browser]:
    """Closed before the site stops: open pages would hold its shutdown up.

    (Also before the REST clients of the role fixtures: closing one of those
    stops the test server, too.)
    """
    if not CHROMIUM.exists():  # noqa: ASYNC240 (one stat before anything runs)
        pytest.fail("Debian's Chromium is missing: apt-get install chromium (.ci/run does)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught script errors of every page opened: a test ends by expecting none."""
    return []


@pytest.fixture
def open_page(browser: Browser, page_errors: list[str]) -> OpenPage:
    """A new person at `url`: `open_page(url, locale="de-DE", viewport=PHONE)`."""

    async def open_at(
        url: str, *, locale: str = "en-US", viewport: dict = PHONE, **context: object
    ) -> Page:
        page = await (
            await browser.new_context(locale=locale, viewport=viewport, **context)
        ).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda error: page_errors.append(f"{page.url}: {error}"))
        await page.goto(url)
        return page

    return open_at


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[[Page, str], Awaitable[Path]]:
    """Saves a full-page PNG as `<name>.png` (in $ARSNOVA_SCREENSHOT_DIR, else tmp)."""
    directory = Path(os.environ.get(SCREENSHOT_DIR) or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)

    async def save(page: Page, name: str) -> Path:
        path = directory / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        return path

    return save
