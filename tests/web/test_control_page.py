"""The control page (the lecturer's page of a running session) on a laptop, a tablet and a
phone: the questions start within the first screen of a 1366x768 laptop (they used to start
1,730 px down), nothing scrolls sideways, and the controls of a lecture are within reach.
Questions are reordered by dragging with a real mouse."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from playwright.async_api import Locator, Page, expect

from tests.helpers import create_question, questions_path
from tests.web.conftest import PHONE
from tests.web.pages import (
    OPTIONS,
    assert_no_axe_violations,
    assert_no_horizontal_scrolling,
    read_qr_code,
    signed_in,
)

LAPTOP_1366 = {"width": 1366, "height": 768}  # the commonest laptop screen
TABLET = {"width": 768, "height": 1024}
SUBJECTS = ["Inertia", "Momentum", "Energy"]


async def control_page(open_page, base_url: str, owner: TestClient, viewport: dict) -> Page:
    """The owner's control page of a session with three published questions, once drawn."""
    for subject in SUBJECTS:
        await create_question(owner, questionType="sc", subject=subject, text=f"{subject}?",
                              options=OPTIONS, active=True)  # fmt: skip
    page = await open_page(
        f"{base_url}/lecturer/{owner.lecture['keyword']}",
        viewport=viewport,
        bypass_csp=True,  # for axe-core's script
        **signed_in(owner, base_url),
    )
    await expect(page.locator("#question-list [data-question] h3")).to_have_text(SUBJECTS)
    return page


async def test_on_a_laptop_the_questions_start_within_the_first_screen(
    open_page, base_url, page_errors, owner, screenshot
):
    page = await control_page(open_page, base_url, owner, LAPTOP_1366)
    shot = await screenshot(page, "control-laptop")  # the whole page
    await page.screenshot(path=str(shot.with_name("control-laptop-first-screen.png")))
    first = await page.locator("#question-list [data-question]").first.bounding_box()
    # Its head, answer count and first bars on the first screen (it used to start 1,730 px down).
    assert first["y"] < LAPTOP_1366["height"] - 200, first
    # With questions there, the form for a new one starts closed; its summary opens it.
    form = page.locator("#question-form")
    await expect(form).to_be_hidden()
    await page.get_by_text("New question", exact=True).click()
    await expect(form.get_by_label("Subject", exact=True)).to_be_visible()
    await page.get_by_text("New question", exact=True).click()
    await expect(form).to_be_hidden()
    # Edit opens it with the question in it.
    card = page.locator("[data-question]", has_text="Momentum")
    await card.get_by_role("button", name="Edit").click()
    await expect(form).to_be_visible()
    await expect(form.get_by_label("Subject", exact=True)).to_have_value("Momentum")
    await form.get_by_role("button", name="Cancel").click()
    await expect(form.get_by_label("Subject", exact=True)).to_have_value("")

    # The QR code is small here, and enlarges for a room without a projector.
    join_url = f"{base_url}/join/{owner.lecture['keyword']}"
    assert await read_qr_code(page.locator("#qr img")) == [join_url]
    small = await page.locator("#qr img").bounding_box()
    await page.get_by_role("button", name="Enlarge the QR code").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    large = await dialog.locator("img").bounding_box()
    assert large["height"] > 2.5 * small["height"], (small, large)
    await page.screenshot(path=str(shot.with_name("control-laptop-qr.png")))
    await assert_no_axe_violations(page)
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    assert page_errors == []


async def assert_reachable(page: Page, name: str, within: Locator | None = None) -> None:
    """The button (or link) is there, fully within the page's width, and nothing covers it."""
    scope = within or page
    target = scope.get_by_role("button", name=name, exact=True).or_(
        scope.get_by_role("link", name=name, exact=True)
    )
    await target.scroll_into_view_if_needed()
    box = await target.bounding_box()
    width = page.viewport_size["width"]
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (name, box)
    await target.click(trial=True)  # waits until it would receive the click


async def test_on_a_tablet_and_a_phone_nothing_scrolls_sideways(
    open_page, base_url, page_errors, owner, screenshot
):
    page = await control_page(open_page, base_url, owner, TABLET)
    for viewport, name in ((TABLET, "control-tablet"), (PHONE, "control-phone")):
        await page.set_viewport_size(viewport)
        await assert_no_horizontal_scrolling(page)
        for control in ("Open presenter view ↗", "Lock session", "Lock feedback"):
            await assert_reachable(page, control)
        card = page.locator("[data-question]", has_text="Momentum")
        for control in ("Present", "Show results to students", "New round", "30 s", "Edit"):
            await assert_reachable(page, control, within=card)
        await assert_reachable(page, "Move “Momentum” up", within=card)
        await page.get_by_text("New question", exact=True).click()
        await assert_reachable(page, "Create question")
        await assert_no_horizontal_scrolling(page)
        await screenshot(page, name)
        await page.get_by_text("New question", exact=True).click()
    assert page_errors == []


async def test_dragging_a_question_with_the_mouse_reorders_it(
    open_page, base_url, page_errors, owner
):
    page = await control_page(open_page, base_url, owner, LAPTOP_1366)
    keyword = owner.lecture["keyword"]
    student = await open_page(f"{base_url}/join/{keyword}")
    headings = student.locator("[data-question] h3")
    await expect(headings).to_have_text(SUBJECTS)

    # Momentum's handle pressed, moved up in steps onto the end of Inertia's card, released:
    # Momentum takes Inertia's place. (One step starts no drag in Chromium.)
    handle = page.locator("[data-question]", has_text="Momentum").locator(".drag-handle")
    await handle.scroll_into_view_if_needed()
    start = await handle.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    inertia = await page.locator("[data-question]", has_text="Inertia").bounding_box()
    drop_y = inertia["y"] + inertia["height"] - 20
    assert 0 < drop_y < y, (inertia, start)  # on the screen, above the handle
    await page.mouse.move(x, y)
    await page.mouse.down()
    await page.mouse.move(x, drop_y, steps=10)
    await page.mouse.up()

    order = ["Momentum", "Inertia", "Energy"]
    await expect(page.locator("#question-list [data-question] h3")).to_have_text(order)
    await expect(headings).to_have_text(order)  # live
    stored = await (await owner.get(questions_path(keyword))).json()
    assert [question["subject"] for question in stored] == order
    assert page_errors == []
