"""Browser fixtures: Debian's Chromium driven by Playwright for Python.

Never a downloaded browser: `/usr/bin/chromium` comes from `apt-get install
chromium` (`.ci/run` installs it). One Chromium process serves the whole test
session; each test connects to it over the DevTools protocol in its own event
loop (Playwright's objects belong to the loop that made them, and every test
has a loop of its own). Each simulated person gets a browser context of their
own (own cookies, own language, own screen size), closed after the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # What Playwright's own launch would add, so that pages in the background run on time.
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
]
CHROMIUM_START_TIMEOUT = 30
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
PROJECTOR = {"width": 1920, "height": 1080}
FOUR_THREE = {"width": 1024, "height": 768}  # an older projector
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


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One headless Chromium for the test session: its DevTools WebSocket URL.

    `--remote-debugging-port=0` picks a free port; Chromium writes it (and the
    browser's WebSocket path) to `DevToolsActivePort` in its profile directory.
    """
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: apt-get install chromium (.ci/run does)")
    profile = tmp_path_factory.mktemp("chromium")
    active_port = profile / "DevToolsActivePort"
    with profile.with_suffix(".log").open("w") as log:
        process = subprocess.Popen(
            [str(CHROMIUM), *CHROMIUM_FLAGS, "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=log, stderr=log,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + CHROMIUM_START_TIMEOUT
        while len(lines := (active_port.read_text().split() if active_port.exists() else [])) < 2:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Chromium did not start: see {log.name}")
            time.sleep(0.05)
        port, path = lines[:2]
        yield f"ws://127.0.0.1:{port}{path}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
async def browser(chromium: str, base_url: str, aiohttp_client) -> AsyncIterator[Browser]:
    """The session's Chromium, connected in this test's loop (`open_page` makes the people).

    Disconnected before the site stops: open pages would hold its shutdown up.
    (Also before the REST clients of the role fixtures: closing one of those
    stops the test server, too.)
    """
    async with async_playwright() as playwright:
        browser = await playwright.chromium.connect_over_cdp(chromium)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def page_errors() -> list[str]:
    """Uncaught script errors of every page opened: a test ends by expecting none."""
    return []


@pytest.fixture
async def open_page(browser: Browser, page_errors: list[str]) -> AsyncIterator[OpenPage]:
    """A new person at `url`: `open_page(url, locale="de-DE", viewport=PHONE)`.

    Each person is a browser context of their own, closed when the test ends.
    """
    people: list[BrowserContext] = []

    async def open_at(
        url: str, *, locale: str = "en-US", viewport: dict = PHONE, **context: object
    ) -> Page:
        person = await browser.new_context(locale=locale, viewport=viewport, **context)
        people.append(person)
        page = await person.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda error: page_errors.append(f"{page.url}: {error}"))
        await page.goto(url)
        return page

    yield open_at
    for person in people:
        await person.close()


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


async def start_session(lecturer: Page) -> str:
    """The lecturer page creates a session as a guest lecturer: its keyword."""
    await lecturer.get_by_role("button", name="Continue as guest lecturer").click()
    await lecturer.get_by_label("Name", exact=True).fill("Physics I: Mechanics")
    await lecturer.get_by_label("Short name (optional)").fill("PHY1")
    await lecturer.get_by_role("button", name="Create session").click()
    await lecturer.wait_for_url("**/lecturer/*")
    await expect(lecturer.locator("#keyword")).to_have_text(re.compile(r"^\d{4} \d{4}$"))
    await expect(lecturer.locator("#qr img")).to_be_visible()
    return (await lecturer.locator("#keyword").inner_text()).replace(" ", "")
