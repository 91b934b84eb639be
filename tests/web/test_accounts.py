"""Lasting identities in the browser: an account registered and activated from the e-mail a real
SMTP server (aiosmtpd) received, a guest who comes back after closing the browser, a guest who
turns into an account and keeps the session, an expired sign-in said in words."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.mail import link_in
from tests.web.conftest import LAPTOP
from tests.web.pages import assert_no_axe_violations, assert_no_horizontal_scrolling

EMAIL = "prof.ada@uni.example"
PASSWORD = "correct horse battery"


pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


@pytest.fixture
def settings(settings_with, smtp):
    return settings_with(smtp_url=smtp.url, mail_from="ARSnova <arsnova@uni.example>")


async def create_session(lecturer: Page, name: str) -> str:
    await lecturer.get_by_label("Name", exact=True).fill(name)
    await lecturer.get_by_role("button", name="Create session").click()
    await lecturer.wait_for_url("**/lecturer/*")
    await expect(lecturer.locator("#keyword")).to_have_text(re.compile(r"^\d{4} \d{4}$"))
    return (await lecturer.locator("#keyword").inner_text()).replace(" ", "")


async def sign_in(page: Page, email: str = EMAIL, password: str = PASSWORD) -> None:
    form = page.locator("#account-login")
    await form.get_by_label("E-mail address").fill(email)
    await form.get_by_label("Password").fill(password)
    await form.get_by_role("button", name="Sign in").click()


async def register(page: Page, email: str = EMAIL, password: str = PASSWORD) -> None:
    await page.get_by_role("button", name="Create an account").first.click()
    form = page.locator("#account-register")
    await form.get_by_label("E-mail address").fill(email)
    await form.get_by_label("New password").fill(password)
    await form.get_by_role("button", name="Create account").click()
    await expect(page.locator("#signin-status")).to_contain_text(f"We sent an e-mail to {email}")


async def test_register_activate_create_sign_out_and_in_again(
    open_page, base_url, smtp, page_errors, screenshot
):
    page = await open_page(f"{base_url}/", viewport=LAPTOP)
    await expect(page.locator("#account-login")).to_be_visible()
    await screenshot(page, "landing-sign-in")
    await register(page)
    link = link_in(await smtp.wait_for(EMAIL))
    assert link.startswith(f"{base_url}/account/activate#token=")

    await page.goto(link)
    await page.get_by_role("button", name="Activate my account").click()
    await expect(page.locator("#account-status")).to_have_text(
        "Your account is active and you are signed in."
    )
    await page.get_by_role("link", name="To your lecture sessions").click()
    await expect(page.locator("#who")).to_have_text(f"Signed in as {EMAIL}")
    keyword = await create_session(page, "Mechanics")

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{base_url}/")
    await sign_in(page)
    await page.wait_for_url("**/lecturer/")
    await expect(page.get_by_role("link", name="Mechanics")).to_have_attribute(
        "href", f"/lecturer/{keyword}"
    )
    assert page_errors == []


async def test_wrong_passwords_and_failed_single_sign_on_are_said(
    open_page, base_url, smtp, page_errors
):
    page = await open_page(f"{base_url}/lecturer/")
    await sign_in(page, password="not the password")
    await expect(page.locator("#signin-error")).to_have_text(
        "Wrong e-mail address, user name or password."
    )
    back = await open_page(f"{base_url}/?error=login-type-not-configured")
    await expect(back.locator("#signin-error")).to_have_text(
        "This way of signing in is not set up on this server."
    )
    unknown = await open_page(f"{base_url}/lecturer/?error=some-provider-failure")
    await expect(unknown.locator("#signin-error")).to_have_text(
        "Signing in did not work. Please try again."
    )
    assert page_errors == []


async def test_registration_closed_without_mail(open_page, start_server, page_errors):
    server = await start_server(accounts=True)
    page = await open_page(str(server.make_url("/")))
    await expect(page.locator("#registration-closed")).to_have_text(
        "Registration is closed on this server. Ask its operator for an account or a new password."
    )
    await expect(page.locator("#show-register")).to_have_count(0)
    assert page_errors == []


async def test_a_guest_who_closed_the_browser_comes_back_to_the_session(
    browser, open_page, base_url, page_errors
):
    page = await open_page(f"{base_url}/lecturer/")
    await page.get_by_role("button", name="Continue as guest lecturer").click()
    keyword = await create_session(page, "Tried as a guest")
    state = await page.context.storage_state()
    kept = [cookie for cookie in state["cookies"] if cookie["expires"] > 0]  # not the session's
    assert [cookie["name"] for cookie in kept] == ["ARSNOVA_GUEST_KEY"]
    await page.context.close()

    again = await browser.new_context(storage_state={"cookies": kept, "origins": []})
    try:
        page = await again.new_page()
        await page.goto(f"{base_url}/lecturer/")
        await page.get_by_role("button", name="Continue as guest lecturer").click()
        await expect(page.get_by_role("link", name="Tried as a guest")).to_have_attribute(
            "href", f"/lecturer/{keyword}"
        )
    finally:
        await again.close()
    assert page_errors == []


async def test_a_guest_who_registers_keeps_the_session(
    browser, open_page, base_url, smtp, page_errors
):
    page = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    await page.get_by_role("button", name="Continue as guest lecturer").click()
    keyword = await create_session(page, "Made as a guest")
    await page.goto(f"{base_url}/lecturer/")
    await page.get_by_text("Keep your sessions beyond this browser").click()
    upgrade = page.locator("#upgrade")
    await expect(upgrade.get_by_label(re.compile("^Keep my guest sessions"))).to_be_checked()
    await register(upgrade)
    await page.goto(link_in(await smtp.wait_for(EMAIL)))
    await expect(page.get_by_label(re.compile("^Keep my guest sessions"))).to_be_checked()
    await page.get_by_role("button", name="Activate my account").click()
    await page.get_by_role("link", name="To your lecture sessions").click()
    await expect(page.locator("#who")).to_have_text(f"Signed in as {EMAIL}")
    await expect(page.get_by_role("link", name="Made as a guest")).to_be_visible()

    elsewhere = await open_page(f"{base_url}/")  # another browser: the account has the session
    await sign_in(elsewhere)
    await elsewhere.wait_for_url("**/lecturer/")
    await expect(elsewhere.get_by_role("link", name="Made as a guest")).to_have_attribute(
        "href", f"/lecturer/{keyword}"
    )
    assert page_errors == []


async def test_an_expired_sign_in_is_said_and_signing_in_again_finds_everything(
    open_page, base_url, smtp, clock, settings, page_errors
):
    page = await open_page(f"{base_url}/", viewport=LAPTOP)
    await register(page)
    await page.goto(link_in(await smtp.wait_for(EMAIL)))
    await page.get_by_role("button", name="Activate my account").click()
    await page.get_by_role("link", name="To your lecture sessions").click()
    await create_session(page, "Kept")
    await page.goto(f"{base_url}/lecturer/")
    await expect(page.get_by_role("link", name="Kept")).to_be_visible()

    clock.advance(settings.login_idle_timeout + 1)
    await page.get_by_label("Name", exact=True).fill("Another")
    await page.get_by_role("button", name="Create session").click()
    await expect(page.locator("#banner")).to_have_text(
        "Your sign-in expired; sign in again. Your sessions are kept."
    )
    await sign_in(page)
    await expect(page.get_by_role("link", name="Kept")).to_be_visible()
    assert page_errors == []


async def test_the_account_pages_have_no_axe_violations(
    open_page, base_url, smtp, page_errors, screenshot
):
    options = {"viewport": LAPTOP, "bypass_csp": True}
    landing = await open_page(f"{base_url}/", **options)
    await expect(landing.locator("#account-login")).to_be_visible()
    await assert_no_axe_violations(landing)
    await landing.get_by_role("button", name="Create an account").click()
    await assert_no_axe_violations(landing)
    await landing.get_by_role("button", name="Back to sign-in").click()
    await landing.get_by_role("button", name="Forgot your password?").click()
    await assert_no_axe_violations(landing)
    await landing.get_by_role("button", name="Back to sign-in").click()

    await register(landing)
    activate = await open_page(link_in(await smtp.wait_for(EMAIL)), **options)
    await expect(activate.get_by_role("button", name="Activate my account")).to_be_visible()
    await assert_no_axe_violations(activate)
    await activate.get_by_role("button", name="Activate my account").click()
    await expect(activate.locator("#account-status")).not_to_be_empty()
    await assert_no_axe_violations(activate)
    settings_page = await activate.context.new_page()
    await settings_page.goto(f"{base_url}/account/")
    await expect(settings_page.get_by_role("heading", name="Delete account")).to_be_visible()
    await assert_no_axe_violations(settings_page)
    await screenshot(settings_page, "account-settings")

    await landing.reload()
    await landing.get_by_role("button", name="Forgot your password?").click()
    form = landing.locator("#account-forgot")
    await form.get_by_label("E-mail address").fill(EMAIL)
    await form.get_by_role("button", name="Send me a link").click()
    reset = await open_page(link_in(await smtp.wait_for(EMAIL, 2)), locale="de-DE", **options)
    await expect(reset.get_by_role("heading", level=1)).to_have_text("Neues Passwort setzen")
    await assert_no_axe_violations(reset)
    await reset.locator("#reset-form").get_by_label("Neues Passwort").fill("a brand new password")
    await reset.get_by_role("button", name="Passwort setzen").click()
    await expect(reset.locator("#account-status")).to_have_text(
        "Dein neues Passwort ist gesetzt. Melde dich damit an."
    )
    await assert_no_axe_violations(reset)
    assert page_errors == []


async def test_an_account_changes_its_password_and_deletes_itself(
    open_page, base_url, smtp, page_errors
):
    page = await open_page(f"{base_url}/", viewport=LAPTOP)
    await register(page)
    await page.goto(link_in(await smtp.wait_for(EMAIL)))
    await page.get_by_role("button", name="Activate my account").click()
    await page.get_by_role("link", name="To your lecture sessions").click()
    await create_session(page, "To be deleted")
    await page.get_by_role("link", name="Account").click()
    await page.get_by_label("Current password").fill(PASSWORD)
    await page.locator("#password-form").get_by_label("New password").fill("a brand new password")
    await page.get_by_role("button", name="Change password").click()
    await expect(page.locator("#account-status")).to_contain_text("Your password is changed")
    page.on("dialog", lambda dialog: dialog.accept())
    await page.locator("#delete-password").fill("a brand new password")
    await page.get_by_role("button", name="Delete my account and sessions").click()
    await expect(page.locator("#account-status")).to_have_text(
        "Your account and its sessions are deleted."
    )
    await page.goto(f"{base_url}/")
    await sign_in(page, password="a brand new password")
    await expect(page.locator("#signin-error")).to_have_text(
        "Wrong e-mail address, user name or password."
    )
    assert page_errors == []


async def test_the_sign_in_reflows_at_320_pixels_in_german(open_page, base_url, page_errors):
    page = await open_page(f"{base_url}/", locale="de-DE", viewport={"width": 320, "height": 640})
    await expect(page.get_by_role("heading", name="Mit deinem Konto anmelden")).to_be_visible()
    await assert_no_horizontal_scrolling(page)
    await page.get_by_role("button", name="Konto anlegen").click()
    await expect(page.locator("#account-register")).to_be_visible()
    await assert_no_horizontal_scrolling(page)
    account = await open_page(f"{base_url}/account/reset#token=x", locale="de-DE",
                              viewport={"width": 320, "height": 640})  # fmt: skip
    await expect(account.get_by_role("heading", level=1)).to_have_text("Neues Passwort setzen")
    await assert_no_horizontal_scrolling(account)
    assert page_errors == []
