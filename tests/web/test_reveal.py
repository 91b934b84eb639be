"""Reveal and feedback that make sense, in real browsers: right/wrong for each student once
the correct answer is shown, counts that stay with their option when the lecturer reorders
or removes options, free-text answers hidden before revealing, an expired vote said."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.conftest import LAPTOP, PHONE, start_session
from tests.web.pages import LAW, OPTIONS, create_question


@pytest.fixture
def settings(settings_with):
    """Votes live a minute and are swept often: the test advances the clock past a vote."""
    return settings_with(feedback_ttl=60, feedback_sweep_interval=0.1)


def bar(page: Page, question_id: str, label: str):
    return page.locator(f'[data-question="{question_id}"] li.bar', has_text=label)


async def students_answer(open_page, base_url, keyword, subject, answers) -> list[Page]:
    """One phone per answer (an option's text, or None to abstain); each sees its answer sent."""
    pages = []
    for text in answers:
        student = await open_page(f"{base_url}/join/{keyword}", viewport=PHONE)
        card = student.locator("[data-question]", has_text=subject)
        name = "Abstain" if text is None else text
        await card.get_by_role("button", name=name, exact=True).click()
        await expect(card.locator(".my-answer")).to_be_visible()
        pages.append(student)
    return pages


async def test_reveal_shows_each_student_whether_they_were_right(
    open_page, base_url, screenshot, page_errors
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    law = await create_question(lecturer, "sc", LAW, "What does a body do?", OPTIONS)
    word = await create_question(lecturer, "freetext", "One word", "Describe it.")
    anna, ben, chris = await students_answer(
        open_page, base_url, keyword, LAW, [OPTIONS[0], OPTIONS[1], None]
    )
    law_on = {page: page.locator(f'[data-question="{law}"]') for page in (anna, ben, chris)}
    # Before the reveal: what was sent, neither right nor wrong, and no correct option anywhere.
    await expect(law_on[anna].locator(".my-answer")).to_have_text(f"Your answer: {OPTIONS[0]}")
    await expect(law_on[ben].locator(".my-answer")).to_have_class("my-answer")
    await expect(ben.locator(".correct-answer, .bar.correct")).to_have_count(0)

    # Abstentions count in the shares and are shown.
    await expect(bar(lecturer, law, OPTIONS[0])).to_contain_text("1 (33 %)")
    await expect(bar(lecturer, law, "Abstained")).to_have_attribute("data-count", "1")
    # "Show correct answer" only where there is one.
    lecturer_law = lecturer.locator(f'[data-question="{law}"]')
    lecturer_word = lecturer.locator(f'[data-question="{word}"]')
    await expect(lecturer_word.get_by_role("button", name="Show correct answer")).to_have_count(0)
    await lecturer_law.get_by_role("button", name="Show correct answer").click()

    # Without "Show results": each student learns whether they were right, in colour and words.
    right = law_on[anna].locator(".my-answer.right")
    await expect(right).to_have_text(f"✓ Your answer: {OPTIONS[0]} — correct")
    wrong = law_on[ben].locator(".my-answer.wrong")
    await expect(wrong).to_have_text(
        f"✗ Your answer: {OPTIONS[1]} — not correct. Correct answer: {OPTIONS[0]}"
    )
    await expect(law_on[chris].locator(".my-answer.wrong")).to_have_text(
        f"✗ Your answer: abstained. Correct answer: {OPTIONS[0]}"
    )
    assert await right.evaluate("e => getComputedStyle(e).color") == "rgb(20, 108, 46)"
    assert await wrong.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"
    for page in (anna, ben, chris):
        await expect(law_on[page].locator(".results")).to_have_count(0)
    await screenshot(anna, "student-right")
    await screenshot(ben, "student-wrong")

    # Results on too: the chart, with the correct option marked for screen readers as well.
    await lecturer_law.get_by_role("button", name="Show results to students").click()
    await expect(law_on[ben].locator(".bar.correct")).to_contain_text(f"{OPTIONS[0]} (correct)")
    await expect(law_on[ben].locator('.bar[data-option="abstentions"]')).to_contain_text("1 (33 %)")
    await screenshot(ben, "student-wrong-with-results")
    await screenshot(lecturer, "lecturer-revealed")
    assert page_errors == []


async def test_reordering_options_of_an_answered_question_keeps_counts(
    open_page, base_url, screenshot, page_errors
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    law = await create_question(lecturer, "sc", LAW, "What does a body do?", OPTIONS)
    await students_answer(
        open_page, base_url, keyword, LAW, [OPTIONS[0], OPTIONS[2], OPTIONS[2], OPTIONS[3]]
    )
    counts = {OPTIONS[0]: 1, OPTIONS[1]: 0, OPTIONS[2]: 2, OPTIONS[3]: 1}
    for text, count in counts.items():
        await expect(bar(lecturer, law, text)).to_have_attribute("data-count", str(count))

    # Move the third option to the top: the counts move with it.
    card = lecturer.locator(f'[data-question="{law}"]')
    await card.get_by_role("button", name="Edit").click()
    form = lecturer.locator("#question-form")
    await form.get_by_role("button", name="Move option 3 up").click()
    await form.get_by_role("button", name="Move option 3 up").click()
    await expect(form.get_by_role("textbox").nth(2)).to_have_value(OPTIONS[2])  # subject, text, …
    await form.get_by_role("button", name="Save changes").click()
    labels = card.locator("li.bar .bar-label")
    await expect(labels).to_contain_text([OPTIONS[2], OPTIONS[0], OPTIONS[1], OPTIONS[3]])
    for text, count in counts.items():
        await expect(bar(lecturer, law, text)).to_have_attribute("data-count", str(count))
    await screenshot(lecturer, "lecturer-reordered")

    # Removing an answered option asks first; declined, nothing changes.
    async def remove_last_option(accept: bool) -> None:
        await card.get_by_role("button", name="Edit").click()
        await form.get_by_role("button", name="Remove option 4").click()
        lecturer.once("dialog", lambda dialog: dialog.accept() if accept else dialog.dismiss())
        await form.get_by_role("button", name="Save changes").click()

    await remove_last_option(accept=False)
    await expect(lecturer.locator("#banner")).to_contain_text("Students chose an option")
    await expect(bar(lecturer, law, OPTIONS[3])).to_have_attribute("data-count", "1")
    await form.get_by_role("button", name="Cancel").click()
    await remove_last_option(accept=True)
    await expect(bar(lecturer, law, OPTIONS[3])).to_have_count(0)
    await expect(card.locator(".answered")).to_have_text("Answers: 3")
    await expect(bar(lecturer, law, OPTIONS[2])).to_have_attribute("data-count", "2")
    assert page_errors == []


async def test_hidden_free_text_answers_and_the_word_cloud(
    open_page, base_url, screenshot, page_errors
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    word = await create_question(lecturer, "freetext", "One word", "Describe today's lecture.")
    texts = ["The forces were clear", "Forces and inertia", "boring and stupid"]
    students = []
    for text in texts:
        student = await open_page(f"{base_url}/join/{keyword}", viewport=PHONE)
        card = student.locator("[data-question]", has_text="One word")
        await card.get_by_role("textbox").fill(text)
        await card.get_by_role("button", name="Send answer").click()
        await expect(card.locator(".my-answer")).to_be_visible()
        students.append(student)
    card = lecturer.locator(f'[data-question="{word}"]')
    cloud = card.locator(".cloud li")
    # Word frequencies, any case, without "the", "and", "were".
    await expect(cloud.first).to_have_attribute("data-count", "2")
    await expect(cloud.first).to_contain_text("forces")
    rude = card.locator(".freetext-answers li", has_text="stupid")
    await rude.get_by_role("button", name="Hide").click()
    await expect(rude).to_contain_text("hidden from students")
    words = ["forces", "clear", "inertia"]  # the hidden answer's left out; "the", "and" never
    await expect(cloud).to_contain_text(words)
    await expect(cloud).to_have_count(len(words))
    await card.get_by_role("button", name="Show results to students").click()
    shown = students[0].locator(".revealed-answers li")
    await expect(shown).to_have_text(texts[:2])
    await screenshot(lecturer, "lecturer-freetext")
    await screenshot(students[0], "student-freetext-revealed")
    assert page_errors == []


async def test_an_expired_vote_is_said_to_the_student(
    open_page, base_url, screenshot, clock, page_errors
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    student = await open_page(f"{base_url}/join/{keyword}", viewport=PHONE)
    other = await open_page(f"{base_url}/join/{keyword}", viewport=PHONE)
    await student.get_by_role("button", name="Slower, please").click()
    await other.get_by_role("button", name="All good").click()
    await student.get_by_role("button", name="All good").click()
    await expect(student.locator("#my-feedback")).to_have_text("Your feedback: All good")
    await expect(lecturer.locator("#feedback-average")).to_have_text("Most: All good (2 of 2)")
    await expect(lecturer.locator('#meter [data-feedback="ok"]')).to_have_attribute(
        "data-count", "2"
    )
    clock.advance(61)
    await expect(student.locator("#my-feedback")).to_contain_text("Your vote has ended")
    await expect(student.get_by_role("button", name="All good")).to_have_attribute(
        "aria-pressed", "false"
    )
    await expect(lecturer.locator("#feedback-average")).to_have_text("No feedback yet.")
    await screenshot(student, "student-vote-expired")
    assert page_errors == []
