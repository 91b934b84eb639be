"""One click from a learning platform: the activation link lands a browser on the student
page, logged in as the platform's user; a browser sent back is told why, in words."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.helpers import create_lecture
from tests.integration.conftest import place_for


@pytest.fixture
def settings(settings_with):
    # The platform's own page is played by this server's landing page.
    return settings_with(index_url_allowed=("127.0.0.1",))


async def test_an_activation_link_opens_the_student_page_and_a_used_one_is_explained(
    platform, base_url, open_page, page_errors
):
    keyword = await create_lecture(platform, "Linear Algebra", capacity=1, headers=platform.headers)
    place = await place_for(
        platform, keyword, index_url=f"{base_url}/", first_name="Ada", last_name="Lovelace"
    )

    student = await open_page(base_url + place["url"])
    await student.wait_for_url(f"**/join/{keyword}")
    await expect(student.locator("#session-name")).to_have_text("Linear Algebra")
    who = await student.evaluate("fetch('/auth/').then((r) => r.json())")
    assert who["username"] == f"user-{place['user']}"  # no guest login happened

    # The link is single-use: opening it again sends the browser back with a reason.
    await student.goto(base_url + place["url"])
    await student.wait_for_url("**/?notification=session-invalid")
    await expect(student.locator("#banner")).to_have_text(
        "This link is no longer valid. Please open the lecture again from your learning platform."
    )

    # The only place is taken: the next user is sent back as "unavailable".
    response = await platform.get(
        f"/integration/session/{keyword}/request/",
        params={"index_url": f"{base_url}/", "first_name": "Bob"},
        headers=platform.headers,
        allow_redirects=False,
    )
    assert response.status == 409
    german = await open_page(f"{base_url}/?notification=session-unavailable", locale="de-DE")
    await expect(german.locator("#banner")).to_have_text(
        "Die Vorlesungs-Session ist voll oder gerade nicht verfügbar."
    )
    assert page_errors == []
