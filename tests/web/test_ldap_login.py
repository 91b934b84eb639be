"""LDAP login in the browser, against the real slapd of tests/ldap_server.py, through the
lecturer page's directory sign-in form (js/signin.js), as a lecturer would."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.ldap_server import PROF, STUDENT, directory
from tests.web.conftest import LAPTOP


@pytest.fixture
def settings(settings_with, slapd):
    return settings_with(ldap=directory(slapd.url))


async def sign_in(page: Page, user: str, password: str) -> None:
    form = page.locator("#ldap-login")
    await form.get_by_label("User name").fill(user)
    await form.get_by_label("Password").fill(password)
    await form.get_by_role("button", name="Sign in").click()


async def test_a_lecturer_signs_in_with_ldap_and_creates_a_session(
    open_page, base_url, page_errors, screenshot
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    await expect(lecturer.locator("#login-view")).to_be_visible()
    await expect(lecturer.locator("#ldap-login")).to_be_visible()
    await screenshot(lecturer, "ldap-sign-in")
    await sign_in(lecturer, PROF.uid, "wrong")
    await expect(lecturer.locator("#signin-error")).to_have_text(
        "Wrong e-mail address, user name or password."
    )
    await expect(lecturer.locator("#who")).not_to_have_text("Signed in as prof")
    await sign_in(lecturer, PROF.uid, PROF.password)
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
    await sign_in(student, STUDENT.uid, STUDENT.password)
    await expect(student.locator("#who")).to_have_text("Signed in as kim")
    await student.get_by_label("Name", exact=True).fill("Not mine to make")
    await student.get_by_role("button", name="Create session").click()
    await expect(student.locator("#banner")).to_contain_text("only lecturers create sessions")
    await expect(student.locator("#session-list li")).to_have_count(0)
