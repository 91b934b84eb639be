"""Voting that opens and closes, in real browsers (issue 18): a countdown closing voting for
three students, reopening, and changing an answer where the lecturer allows it."""

from __future__ import annotations

import re

from playwright.async_api import Dialog, Page, expect

from tests.helpers import eventually
from tests.web.conftest import LAPTOP, start_session
from tests.web.pages import OPTIONS, assert_no_axe_violations, create_question, option_count

SUBJECT = "Inertia"


async def question_state(lecturer: Page, question_id: str) -> dict:
    """The question as the server has it (the lecturer page's login)."""
    return await lecturer.evaluate(
        "async (id) => (await fetch(`/lecturerquestion/${id}`)).json()", question_id
    )


async def test_a_countdown_closes_voting_for_three_students(
    open_page, base_url, page_errors, screenshot
):
    # bypass_csp: axe-core is injected as a script at the end.
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP, bypass_csp=True)
    keyword = await start_session(lecturer)
    question = await create_question(lecturer, "sc", SUBJECT, "What keeps a body moving?", OPTIONS)
    card = lecturer.locator(f'[data-question="{question}"]')
    students = [await open_page(f"{base_url}/join/{keyword}", bypass_csp=True) for _ in range(3)]
    anna, ben, chris = students
    for student in students:
        await expect(student.locator(f'[data-question="{question}"]')).to_be_visible()

    # A custom countdown of 3 s: every student sees the time left, counting down.
    async def three_seconds(dialog: Dialog) -> None:
        await dialog.accept("3")

    lecturer.once("dialog", three_seconds)
    await card.get_by_role("button", name="Custom…").click()
    await expect(card.get_by_role("timer")).to_contain_text("s left to answer")
    await expect(card.get_by_role("button", name="Stop countdown")).to_be_visible()
    await screenshot(lecturer, "voting-countdown-lecturer")
    for student in students:
        timer = student.locator(f'[data-question="{question}"]').get_by_role("timer")
        await expect(timer).to_have_text(re.compile(r"^[1-3] s left to answer$"))
    anna_card = anna.locator(f'[data-question="{question}"]')
    await anna_card.get_by_role("button", name=OPTIONS[0]).click()
    await expect(anna_card.locator(".my-answer")).to_contain_text(OPTIONS[0])
    await screenshot(ben, "voting-countdown-student")

    # It ends: closed for everyone, with a message, the form disabled; the server closed it.
    for student in students:
        student_card = student.locator(f'[data-question="{question}"]')
        await expect(student_card.locator(".voting-closed")).to_have_text(
            "Voting on this question is closed."
        )
        await expect(student_card.get_by_role("timer")).to_have_count(0)
    for student in (ben, chris):
        choice = student.locator(f'[data-question="{question}"]').get_by_role(
            "button", name=OPTIONS[1]
        )
        await expect(choice).to_be_disabled()
    await expect(card.locator(".voting-state")).to_have_text("Voting closed")

    async def closed_on_the_server() -> bool:
        state = await question_state(lecturer, question)
        return state["votingDisabled"] is True and state["votingEndsAt"] is None

    await eventually(closed_on_the_server, what="the close job closed voting")
    await expect(card.get_by_role("button", name="Open voting")).to_be_visible()
    await screenshot(chris, "voting-closed-student")
    await screenshot(lecturer, "voting-closed-lecturer")
    for page in (chris, lecturer):
        await assert_no_axe_violations(page)

    # Reopened with answers changeable: Ben answers, Anna changes hers; the counts follow.
    await card.get_by_role("button", name="Answers can be changed").click()
    await expect(card.get_by_role("button", name="Answers can be changed")).to_have_attribute(
        "aria-pressed", "true"
    )
    await card.get_by_role("button", name="Open voting").click()
    await expect(card.get_by_role("button", name="Close voting")).to_be_visible()
    ben_card = ben.locator(f'[data-question="{question}"]')
    await ben_card.get_by_role("button", name=OPTIONS[1]).click()
    await expect(ben_card.locator(".my-answer")).to_contain_text(OPTIONS[1])
    await anna_card.get_by_role("button", name="Change answer").click()
    await anna_card.get_by_role("button", name=OPTIONS[1]).click()
    await expect(anna_card.locator(".my-answer")).to_contain_text(OPTIONS[1])
    for index, expected in enumerate([0, 2, 0, 0]):
        await expect(option_count(lecturer, question, index)).to_have_attribute(
            "data-count", str(expected)
        )
    assert page_errors == []
