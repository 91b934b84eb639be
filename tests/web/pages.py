"""What several browser tests do on the pages: a lecture's questions made through the
lecturer's form, a signed-in browser context, the axe-core check, no sideways scrolling, what a
phone reads from a QR code."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from aiohttp.test_utils import TestClient
from playwright.async_api import Locator, Page, expect

from arsnova.auth import COOKIE_NAME

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LAW = "Newton's first law"
OPTIONS = [
    "It keeps its state of motion",
    "It slows down until it stops",
    "It speeds up",
    "It moves in a circle",
]
WORD = "One word for today's lecture?"


async def create_question(
    lecturer: Page, kind: str, subject: str, text: str, options: list[str] = ()
) -> str:
    """Fills the lecturer's form, publishes the question and returns its id."""
    form = lecturer.locator("#question-form")
    await form.get_by_label("Type").select_option(kind)
    await form.get_by_label("Subject", exact=True).fill(subject)
    await form.get_by_label("Question", exact=True).fill(text)
    for number, option in enumerate(options, start=1):
        if number > 2:
            await form.get_by_role("button", name="Add option").click()
        await form.get_by_role("textbox", name=f"Option {number}", exact=True).fill(option)
    if options:
        await form.get_by_role("checkbox").first.check()  # the first option is correct
    await form.get_by_role("button", name="Create question").click()
    card = lecturer.locator("[data-question]", has_text=subject)
    await card.get_by_role("button", name="Publish", exact=True).click()
    await expect(card.get_by_text("Published", exact=True)).to_be_visible()
    return await card.get_attribute("data-question")


def option_count(page: Page, question_id: str, index: int):
    return page.locator(f'[data-question="{question_id}"] li[data-option="{index}"]')


def signed_in(client: TestClient, base_url: str) -> dict:
    """Browser-context options that carry `client`'s login cookie (Playwright storage state)."""
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE_NAME]
    host = urlsplit(base_url).hostname
    state = {"name": COOKIE_NAME, "value": cookie.value, "domain": host, "path": "/",
             "expires": -1, "httpOnly": True, "secure": False, "sameSite": "Lax"}  # fmt: skip
    return {"storage_state": {"cookies": [state], "origins": []}}


async def axe_violations(page: Page) -> list[dict]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `npm ci` installs axe-core (a devDependency)")
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        WCAG_TAGS,
    )
    return result["violations"]


def report(violations: list[dict]) -> str:
    """One line per violation and one per offending element, to fix them by."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(node["failureSummary"].split())
            lines.append(f"    {node['target']} {node['html'][:120]}\n        {summary}")
    return "\n".join(lines)


async def assert_no_axe_violations(page: Page) -> None:
    violations = await axe_violations(page)
    if violations:
        pytest.fail(f"axe-core on {page.url}:\n{report(violations)}", pytrace=False)


async def assert_no_horizontal_scrolling(page: Page) -> None:
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths[0]} > {widths[1]} px"


async def read_qr_code(image: Locator) -> list[str]:
    """The texts a phone's camera would read from a QR code <img> (zxing-cpp on its pixels)."""
    width, height, grey = await image.evaluate(
        """image => {
            const canvas = document.createElement("canvas");
            [canvas.width, canvas.height] = [image.naturalWidth, image.naturalHeight];
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            const {data} = context.getImageData(0, 0, canvas.width, canvas.height);
            const grey = data.filter((_, index) => index % 4 === 0);  // black on white: red is grey
            return [canvas.width, canvas.height, Array.from(grey)];
        }"""
    )
    pixels = memoryview(bytes(grey)).cast("B", (height, width))
    return [barcode.text for barcode in zxingcpp.read_barcodes(pixels)]
