"""Single sign-on in Chromium: from our login URL, through a real OpenID provider's sign-in
page (oidc-provider, npm, on loopback), back to the lecturer page, logged in."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LAPTOP, start_session

pytestmark = pytest.mark.usefixtures("oidc_provider")

SIGN_IN = "/auth/login?type=oidc&successurl=/lecturer/&failureurl=/lecturer/"


@pytest.fixture
def base_url(oidc_server) -> str:
    return str(oidc_server.make_url("")).rstrip("/")


async def sign_in_at_provider(page: Page, account: str, screenshot=None) -> None:
    """What a person does on the provider's page (oidc-provider's development sign-in form)."""
    await page.get_by_placeholder("Enter any login").fill(account)
    await page.get_by_placeholder("and password").fill("correct horse battery staple")
    if screenshot is not None:
        await screenshot(page, "oidc-provider-sign-in")
    await page.get_by_role("button", name="Sign-in").click()


async def test_a_lecturer_signs_in_at_the_provider_and_creates_a_session(
    open_page, base_url, oidc_provider, page_errors, screenshot
):
    page = await open_page(base_url + SIGN_IN, viewport=LAPTOP)
    assert page.url.startswith(oidc_provider.issuer + "/interaction/")
    await sign_in_at_provider(page, "alice", screenshot)
    await page.wait_for_url(base_url + "/lecturer/")
    await expect(page.locator("#who")).to_contain_text("alice")
    await page.get_by_label("Name", exact=True).fill("Physics I: Mechanics")
    await page.get_by_role("button", name="Create session").click()
    await page.wait_for_url("**/lecturer/*")
    await expect(page.locator("#keyword")).to_have_text(re.compile(r"^\d{4} \d{4}$"))
    await screenshot(page, "oidc-signed-in-session")
    assert page_errors == []


async def test_a_guest_lecturer_signs_in_and_keeps_the_session(open_page, base_url, page_errors):
    page = await open_page(base_url + "/lecturer/", viewport=LAPTOP)
    keyword = await start_session(page)
    await page.goto(base_url + SIGN_IN + "&keepguest=1")
    await sign_in_at_provider(page, "alice")
    await page.wait_for_url(base_url + "/lecturer/")
    await expect(page.locator("#who")).to_contain_text("alice")
    await expect(page.locator(f'#session-list [data-session="{keyword}"]')).to_be_visible()
    assert page_errors == []


async def test_a_student_signs_in_but_may_not_create_sessions(open_page, base_url):
    page = await open_page(base_url + SIGN_IN, viewport=LAPTOP)
    await sign_in_at_provider(page, "bob")
    await page.wait_for_url(base_url + "/lecturer/")
    await expect(page.locator("#who")).to_contain_text("bob")
    await page.get_by_label("Name", exact=True).fill("Physics I: Mechanics")
    await page.get_by_role("button", name="Create session").click()
    await expect(page.locator("#banner")).to_be_visible()
    assert page.url == base_url + "/lecturer/"
