"""LDAP login in the browser, against the real slapd of tests/ldap_server.py.

The sign-in form for password login types is built elsewhere; here the page
logs in the way that form does (a `fetch` POST of JSON to /auth/login from a
page of the server: same origin, the cookie lands in the browser), then uses
the lecturer page as any lecturer would.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.ldap_server import PROF, STUDENT, directory
from tests.web.conftest import LAPTOP

LOGIN = """async ([user, password]) => {
    const response = await fetch('/auth/login', {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({type: 'ldap', user, password}),
    });
    return {status: response.status, body: await response.json()};
}"""


@pytest.fixture
def settings(settings_with, slapd):
    return settings_with(ldap=directory(slapd.url))


async def sign_in(page: Page, user: str, password: str) -> dict:
    return await page.evaluate(LOGIN, [user, password])


async def test_a_lecturer_signs_in_with_ldap_and_creates_a_session(
    open_page, base_url, page_errors, screenshot
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    await expect(lecturer.locator("#login-view")).to_be_visible()
    refused = await sign_in(lecturer, PROF.uid, "wrong")
    assert (refused["status"], refused["body"]["code"]) == (401, "wrong-credentials")
    signed_in = await sign_in(lecturer, PROF.uid, PROF.password)
    assert signed_in == {"status": 200, "body": {"username": "prof", "type": "ldap"}}

    await lecturer.goto(f"{base_url}/lecturer/")
    await expect(lecturer.locator("#who")).to_have_text("Signed in as prof")
    await lecturer.get_by_label("Name", exact=True).fill("Physics I: Mechanics")
    await lecturer.get_by_label("Short name (optional)").fill("PHY1")
    await lecturer.get_by_role("button", name="Create session").click()
    await lecturer.wait_for_url("**/lecturer/*")
    await expect(lecturer.locator("#keyword")).to_have_text(re.compile(r"^\d{4} \d{4}$"))
    await screenshot(lecturer, "ldap-lecturer-session")

    # The session is the directory user's: back on the list after a new sign-in.
    await lecturer.goto(f"{base_url}/lecturer/")
    await expect(lecturer.locator("#session-list li")).to_have_count(1)
    assert page_errors == []


async def test_a_student_of_the_directory_may_not_create_sessions(open_page, base_url):
    student = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    signed_in = await sign_in(student, STUDENT.uid, STUDENT.password)
    assert signed_in["status"] == 200
    await student.goto(f"{base_url}/lecturer/")
    await expect(student.locator("#who")).to_have_text("Signed in as kim")
    await student.get_by_label("Name", exact=True).fill("Not mine to make")
    await student.get_by_role("button", name="Create session").click()
    await expect(student.locator("#banner")).to_contain_text("only lecturers create sessions")
    await expect(student.locator("#session-list li")).to_have_count(0)
