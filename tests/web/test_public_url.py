"""The join link and QR code use the public address; on a loopback one a hint says what to do."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.conftest import ADMIN_NAME
from tests.web.conftest import LAPTOP, PHONE, start_session

ROOM_URL = "http://192.168.1.20:8080"


@pytest.fixture
def public_url() -> str | None:
    return None


@pytest.fixture
def settings(settings_with, public_url):
    return settings_with(admins=frozenset({ADMIN_NAME}), public_url=public_url)


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (LAPTOP, "laptop")])
async def test_on_a_loopback_address_the_lecturer_is_told_how_phones_get_in(
    open_page, base_url, page_errors, screenshot, viewport, name
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=viewport)
    keyword = await start_session(lecturer)
    await expect(lecturer.locator("#join-link")).to_have_attribute(
        "href", f"{base_url}/join/{keyword}"
    )
    hint = lecturer.locator("#loopback-hint")
    await expect(hint).to_be_visible()
    host = base_url.removeprefix("http://")
    await expect(hint).to_contain_text(f"Phones cannot reach {host}")
    port = host.rsplit(":", 1)[1]
    await expect(hint.locator("code")).to_have_text(
        f"ARSNOVA_HOST=0.0.0.0 ARSNOVA_PUBLIC_URL=http://<address>:{port} arsnova serve"
    )
    await expect(lecturer.locator("#toggle-lock")).to_have_text("Lock session")  # all drawn
    await screenshot(lecturer, f"lecturer-loopback-hint-{name}")
    assert page_errors == []


async def test_the_hint_speaks_german_too(open_page, base_url, page_errors):
    lecturer = await open_page(f"{base_url}/lecturer/", locale="de-DE")
    await lecturer.locator("#guest-login").click()
    await lecturer.get_by_label("Name", exact=True).fill("Physik I")
    await lecturer.locator("#create-session [type=submit]").click()
    await expect(lecturer.locator("#loopback-hint")).to_contain_text("Handys erreichen")
    assert page_errors == []


@pytest.mark.parametrize("public_url", [ROOM_URL])
async def test_the_configured_public_url_makes_the_join_link_and_qr_code(
    open_page, base_url, page_errors
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    join_url = f"{ROOM_URL}/join/{keyword}"
    await expect(lecturer.locator("#join-link")).to_have_attribute("href", join_url)
    await expect(lecturer.locator("#join-link")).to_have_text(join_url)
    qr_text = f"QR code of the join link {join_url}"
    await expect(lecturer.locator("#qr img")).to_have_attribute("alt", qr_text)
    await expect(lecturer.locator("#loopback-hint")).to_be_hidden()
    assert page_errors == []
