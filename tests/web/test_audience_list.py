"""Audience questions (Q&A) in pages: a page at a time, and new ones added live without reading the
list again (one question is read per event)."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import Page, expect

from tests.web.conftest import LAPTOP
from tests.web.pages import signed_in

ASKED = 40
PAGE = 30  # QA_PAGE in js/qa.js


def list_requests(page: Page, keyword: str) -> list[str]:
    """The list requests (`…/qa/questions` itself, not one question) the page makes from now on."""
    lists: list[str] = []
    path = f"/session/{keyword}/qa/questions"
    page.on(
        "request",
        lambda request: lists.append(request.url) if urlsplit(request.url).path == path else None,
    )
    return lists


async def test_audience_questions_load_in_pages_and_arrive_live(
    open_page, base_url, owner, keyword, participant, page_errors, screenshot
):
    # Asked through the legacy route (old clients): they are the same questions.
    for number in range(ASKED):
        body = {"subject": f"Question {number}", "text": f"Text {number}"}
        response = await participant.post(f"/session/{keyword}/interposed/", json=body)
        assert response.status == 201, await response.text()

    lecturer = await open_page(
        f"{base_url}/lecturer/{keyword}", viewport=LAPTOP, **signed_in(owner, base_url)
    )
    student = await open_page(f"{base_url}/join/{keyword}")
    lecturer_cards = lecturer.locator("#qa-list > li[data-qa]")
    student_cards = student.locator("#qa-list > li[data-qa]")
    for cards in (lecturer_cards, student_cards):
        await expect(cards).to_have_count(PAGE)
        await expect(cards.first).to_contain_text(f"Text {ASKED - 1}")  # newest first
    await expect(lecturer.get_by_role("tab", name=f"Approved ({ASKED})")).to_be_visible()
    await expect(student.locator("#qa-count")).to_have_text(f"{ASKED} questions")

    lists = {
        name: list_requests(page, keyword)
        for name, page in (("lecturer", lecturer), ("student", student))
    }
    response = await participant.post(f"/session/{keyword}/qa/questions", json={"text": "Live one"})
    assert response.status == 201, await response.text()
    for cards in (lecturer_cards, student_cards):
        await expect(cards.first).to_contain_text("Live one")
        await expect(cards).to_have_count(PAGE + 1)
    await expect(lecturer.get_by_role("tab", name=f"Approved ({ASKED + 1})")).to_be_visible()
    assert lists == {"lecturer": [], "student": []}  # one question read, not the list

    for page, cards in ((lecturer, lecturer_cards), (student, student_cards)):
        more = page.get_by_role("button", name="Load more questions")
        await more.click()
        await expect(cards).to_have_count(ASKED + 1)
        await expect(cards.last).to_contain_text("Text 0")
        await expect(more).to_be_hidden()
    await screenshot(lecturer, "lecturer-audience")
    assert page_errors == []
