"""Peer instruction in real browsers: two rounds of one question, compared side by side on the
lecturer's page, then the answers reset after a confirmation."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.web.conftest import LAPTOP, start_session
from tests.web.pages import OPTIONS, create_question

LAW = "Newton's first law"


def round_count(lecturer: Page, question_id: str, pi_round: int, index: int):
    card = lecturer.locator(f'[data-question="{question_id}"]')
    return card.locator(f'[data-round="{pi_round}"] li[data-option="{index}"]')


async def answer(student: Page, option: int) -> None:
    card = student.locator("[data-question]", has_text=LAW)
    await card.get_by_role("button", name=OPTIONS[option]).click()
    await expect(card.locator(".my-answer")).to_contain_text(OPTIONS[option])


async def test_two_rounds_side_by_side_then_a_reset(open_page, base_url, page_errors, screenshot):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    law = await create_question(
        lecturer, "sc", LAW, "What does a body do when no net force acts on it?", OPTIONS
    )
    students = [
        await open_page(f"{base_url}/join/{keyword}"),
        await open_page(f"{base_url}/join/{keyword}", locale="de-DE"),
        await open_page(f"{base_url}/join/{keyword}", viewport=LAPTOP),
    ]
    card = lecturer.locator(f'[data-question="{law}"]')

    # Round 1: two of three think a body slows down.
    for student, option in zip(students, (1, 1, 0), strict=True):
        await answer(student, option)
    await expect(card.locator(".answered")).to_have_text("Answers: 3")
    await expect(card.locator(".rounds")).to_have_count(0)  # one round: one chart

    # Round 2 after the discussion: every student answers again.
    await card.get_by_role("button", name="New round").click()
    await expect(card.locator(".pill.round")).to_have_text("Round 2")
    await expect(card.locator(".answered")).to_have_text("Answers: 0")
    english, german, laptop = students
    for student, note in (
        (english, "Round 2: please answer again."),
        (german, "Runde 2: bitte noch einmal antworten."),
        (laptop, "Round 2: please answer again."),
    ):
        question = student.locator("[data-question]", has_text=LAW)
        await expect(question.locator(".answer-again")).to_have_text(note)
        await expect(question.locator(".my-answer")).to_have_count(0)
    await screenshot(english, "pi-rounds-student")
    for student, option in zip(students, (0, 0, 0), strict=True):
        await answer(student, option)

    # The shift from round 1 to round 2, side by side.
    sections = card.locator(".rounds section")
    await expect(sections).to_have_count(2)
    await expect(sections.nth(0).locator("h4")).to_have_text("Round 1 · answers: 3")
    await expect(sections.nth(1).locator("h4")).to_have_text("Round 2 · answers: 3")
    for pi_round, counts in ((1, [1, 2, 0, 0]), (2, [3, 0, 0, 0])):
        for index, count in enumerate(counts):
            await expect(round_count(lecturer, law, pi_round, index)).to_have_attribute(
                "data-count", str(count)
            )
    await expect(round_count(lecturer, law, 1, 1)).to_contain_text("2 (67 %)")
    await expect(round_count(lecturer, law, 2, 0)).to_contain_text("3 (100 %)")
    first, second = await sections.nth(0).bounding_box(), await sections.nth(1).bounding_box()
    assert second["x"] > first["x"] + first["width"] - 1 and second["y"] == first["y"]
    await card.scroll_into_view_if_needed()
    await screenshot(lecturer, "pi-rounds-lecturer")

    # Reset: a dismissed confirmation keeps everything; an accepted one empties every round.
    lecturer.once("dialog", lambda dialog: dialog.dismiss())
    await card.get_by_role("button", name="Reset answers").click()
    await expect(sections).to_have_count(2)
    lecturer.once("dialog", lambda dialog: dialog.accept())
    await card.get_by_role("button", name="Reset answers").click()
    await expect(card.locator(".rounds")).to_have_count(0)
    await expect(card.locator(".pill.round")).to_have_count(0)
    await expect(card.locator(".answered")).to_have_text("Answers: 0")
    for student in students:
        question = student.locator("[data-question]", has_text=LAW)
        await expect(question.get_by_role("button", name=OPTIONS[0])).to_be_visible()
        await expect(question.locator(".answer-again")).to_have_count(0)
    await answer(english, 2)
    await expect(card.locator('li[data-option="2"]')).to_have_attribute("data-count", "1")
    assert page_errors == []
