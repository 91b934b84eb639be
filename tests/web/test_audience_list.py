"""The lecturer's audience questions: 50 at a time, and new ones added live without a reload."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.async_api import expect

from tests.web.conftest import LAPTOP, start_session

ASKED = 60
PAGE = 50


async def test_audience_questions_load_in_pages_and_arrive_live(
    open_page, base_url, login, page_errors, screenshot
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    student = await login()
    assert (await student.get(f"/session/{keyword}")).status == 200
    path = f"/session/{keyword}/interposed/"
    for number in range(ASKED):
        body = {"subject": f"Question {number}", "text": f"Text {number}"}
        assert (await student.post(path, json=body)).status == 201

    await lecturer.reload()
    cards = lecturer.locator("#audience-list > li")
    await expect(cards).to_have_count(PAGE)
    await expect(cards.first).to_contain_text(f"Question {ASKED - 1}")  # newest first
    more = lecturer.get_by_role("button", name="Load older questions")
    await expect(more).to_be_visible()

    lists: list[dict] = []  # the list requests from here on, as their query parameters
    lecturer.on(
        "request",
        lambda request: (
            lists.append(parse_qs(urlsplit(request.url).query))
            if urlsplit(request.url).path == path
            else None
        ),
    )
    assert (
        await student.post(path, json={"subject": "Live one", "text": "Just asked"})
    ).status == 201
    await expect(cards.first).to_contain_text("Live one")
    await expect(cards).to_have_count(PAGE + 1)
    await expect(lecturer.locator("#audience-count")).to_have_text(f"{PAGE + 1} new")
    assert lists and all(int(query["limit"][0]) < PAGE for query in lists), lists

    await more.click()
    await expect(cards).to_have_count(ASKED + 1)
    await expect(cards.last).to_contain_text("Question 0")
    await expect(more).to_be_hidden()
    await screenshot(lecturer, "lecturer-audience")
    assert page_errors == []
