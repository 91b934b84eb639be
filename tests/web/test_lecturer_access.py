"""Only the owner (and admins) open a lecturer page; a student who opens one lands on theirs."""

from __future__ import annotations

import aiohttp
import pytest
from playwright.async_api import expect

from tests.web.conftest import LAPTOP, start_session


@pytest.fixture
async def lecture(open_page, base_url):
    """A lecturer's page (a laptop) and the keyword of the session they just created."""
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    return lecturer, await start_session(lecturer)


async def test_a_student_who_opens_the_lecturer_url_lands_on_the_student_page(
    open_page, base_url, page_errors, lecture
):
    lecturer, keyword = lecture
    student = await open_page(f"{base_url}/join/{keyword}")
    await expect(student.locator("#session-name")).to_have_text("Physics I: Mechanics")

    await student.goto(f"{base_url}/lecturer/{keyword}")
    await student.wait_for_url(f"{base_url}/join/{keyword}")
    await expect(student.locator("#session-name")).to_have_text("Physics I: Mechanics")
    await expect(student.locator("#ask-form")).to_be_visible()
    await expect(student.locator("#toggle-lock")).to_have_count(0)

    await lecturer.reload()  # the owner still gets the dashboard
    await expect(lecturer.locator("#toggle-lock")).to_have_text("Lock session")
    assert lecturer.url == f"{base_url}/lecturer/{keyword}"
    assert page_errors == []


async def test_an_unknown_keyword_lands_on_the_landing_page_with_a_notice(
    base_url, page_errors, lecture
):
    lecturer, _keyword = lecture
    await lecturer.goto(f"{base_url}/lecturer/00000000")
    await lecturer.wait_for_url(f"{base_url}/?notification=keyword-invalid")
    banner = lecturer.locator("#banner")
    await expect(banner).to_contain_text("no lecture session with this keyword")
    assert page_errors == []


async def test_without_a_login_the_lecturer_url_offers_one_then_shows_whose_it_is(
    open_page, base_url, page_errors, lecture
):
    _lecturer, keyword = lecture
    visitor = await open_page(f"{base_url}/lecturer/{keyword}")
    await expect(visitor.get_by_role("button", name="Continue as guest lecturer")).to_be_visible()
    await visitor.get_by_role("button", name="Continue as guest lecturer").click()
    await visitor.wait_for_url(f"{base_url}/join/{keyword}")  # a new guest does not own it
    await expect(visitor.locator("#session-name")).to_have_text("Physics I: Mechanics")
    assert page_errors == []


@pytest.mark.parametrize("page", ["lecturer", "presenter"])
async def test_a_login_made_after_the_page_was_served_still_lands_a_student_on_theirs(
    open_page, base_url, page_errors, lecture, page
):
    """The server's check saw no login (the student page was still signing in); the page's own
    read of the session sees the student's login and sends them on."""
    _lecturer, keyword = lecture
    student = await open_page(f"{base_url}/join/{keyword}")
    await expect(student.locator("#session-name")).to_have_text("Physics I: Mechanics")

    async def as_served_without_login(route):
        async with aiohttp.ClientSession() as anonymous, anonymous.get(route.request.url) as page:
            assert page.status == 200
            await route.fulfill(status=200, headers=dict(page.headers), body=await page.read())

    served_without_login = f"{base_url}/{page}/{keyword}"
    await student.route(served_without_login, as_served_without_login)
    await student.goto(served_without_login)
    await student.wait_for_url(f"{base_url}/join/{keyword}")
    await expect(student.locator("#ask-form")).to_be_visible()
    assert page_errors == []
