"""The presenter page on a projector, in sync with the lecturer's control page.

The owner opens the presenter view from the control page (a second window);
a presenter remote's keys on the projector move the control page along, and
a reveal on either page shows on the other. Screenshots at 1920x1080 (dark and
light) and 4:3 at 1024x768.
"""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.helpers import create_question as create_question_over_rest
from tests.helpers import give_answer
from tests.web.conftest import FOUR_THREE, LAPTOP, PROJECTOR, start_session
from tests.web.pages import (
    LAW,
    OPTIONS,
    WORD,
    create_question,
    option_count,
    read_qr_code,
    signed_in,
)


def card(lecturer: Page, question_id: str):
    return lecturer.locator(f'[data-question="{question_id}"]')


async def expect_presented(presenter: Page, lecturer: Page, question_id: str, subject: str):
    """The projector shows the question and the control page marks it (and only it)."""
    await expect(presenter.locator("#subject")).to_have_text(subject)
    await expect(lecturer.locator(".question.presented")).to_have_count(1)
    await expect(card(lecturer, question_id)).to_contain_text("On the projector")
    await expect(
        card(lecturer, question_id).get_by_role("button", name="Present", exact=True)
    ).to_have_attribute("aria-pressed", "true")


async def test_the_presenter_page_follows_and_moves_the_control_page(
    open_page, base_url, page_errors, screenshot
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    law = await create_question(
        lecturer, "sc", LAW, "What does a body do when no net force acts on it?", OPTIONS
    )
    word = await create_question(lecturer, "freetext", WORD, "Describe it in one word.")

    # The owner opens the presenter view from the top of the control page: a second window.
    async with lecturer.context.expect_page() as opened:
        await lecturer.get_by_role("link", name="Open presenter view").click()
    presenter = await opened.value
    await presenter.set_viewport_size(PROJECTOR)
    await presenter.wait_for_url(f"{base_url}/presenter/{keyword}")
    # Nothing presented yet: how to join, big.
    await expect(presenter.locator("#join-keyword")).to_have_text(f"{keyword[:4]} {keyword[4:]}")
    await expect(presenter.locator("#join-qr img")).to_be_visible()
    join_url = f"{base_url}/join/{keyword}"
    assert await read_qr_code(presenter.locator("#join-qr img")) == [join_url]
    assert await read_qr_code(presenter.locator("#corner-qr img")) == [join_url]
    await expect(presenter.locator("#gauge [data-feedback]")).to_have_count(4)
    await screenshot(presenter, "presenter-join")

    # A presenter remote: PageDown/ArrowRight next, PageUp/ArrowLeft back.
    await presenter.keyboard.press("ArrowRight")
    await expect_presented(presenter, lecturer, law, LAW)
    await expect(presenter.locator("#position")).to_have_text("Question 1 of 2")
    await presenter.keyboard.press("PageDown")
    await expect_presented(presenter, lecturer, word, WORD)
    await presenter.keyboard.press("PageUp")
    await expect_presented(presenter, lecturer, law, LAW)
    # The control page presents too; the projector follows.
    await card(lecturer, word).get_by_role("button", name="Present", exact=True).click()
    await expect_presented(presenter, lecturer, word, WORD)
    await presenter.keyboard.press("ArrowLeft")
    await expect_presented(presenter, lecturer, law, LAW)

    # Three students answer; a student who tries the presenter URL lands on the student page.
    students = [await open_page(f"{base_url}/join/{keyword}") for _ in range(3)]
    await students[0].goto(f"{base_url}/presenter/{keyword}")
    await students[0].wait_for_url(f"{base_url}/join/{keyword}")
    answers = zip(students, (0, 0, 1), ("Inertia", "inertia", "Momentum"), strict=True)
    for student, option, text in answers:
        law_card = student.locator("[data-question]", has_text=LAW)
        await law_card.get_by_role("button", name=OPTIONS[option]).click()
        await expect(law_card.locator(".my-answer")).to_contain_text(OPTIONS[option])
        word_card = student.locator("[data-question]", has_text=WORD)
        await word_card.get_by_role("textbox").fill(text)
        await word_card.get_by_role("button", name="Send answer").click()
        await expect(word_card.locator(".my-answer")).to_be_visible()
    await students[2].get_by_role("button", name="I'm lost").click()

    # Hidden until revealed: the live count, the options, no bars, no ✓.
    await expect(presenter.locator("#answer-count")).to_have_text("Answers: 3")
    await expect(presenter.locator("#results .option-list li")).to_have_count(4)
    await expect(presenter.locator("#results .chart")).to_have_count(0)
    await expect(presenter.locator("#results .correct")).to_have_count(0)
    await expect(presenter.locator('#gauge [data-feedback="away"]')).to_have_attribute(
        "data-count", "1"
    )

    # Revealing results on the control page shows the chart on the projector.
    await card(lecturer, law).get_by_role("button", name="Show results to students").click()
    for index, expected in enumerate([2, 1, 0, 0]):
        await expect(presenter.locator(f'#results li[data-option="{index}"]')).to_have_attribute(
            "data-count", str(expected)
        )
    await expect(presenter.locator("#results .correct")).to_have_count(0)
    # The correct answer, revealed on the projector (A), shows on the control page.
    await presenter.keyboard.press("a")
    await expect(presenter.locator("#results .bar.correct")).to_have_count(1)
    await expect(
        card(lecturer, law).get_by_role("button", name="Show correct answer")
    ).to_have_attribute("aria-pressed", "true")
    await expect(option_count(lecturer, law, 0)).to_have_attribute("data-count", "2")
    await screenshot(presenter, "presenter")

    # Light theme (T), remembered; 4:3.
    await presenter.keyboard.press("t")
    await expect(presenter.locator("body")).to_have_attribute("data-theme", "light")
    await screenshot(presenter, "presenter-light")
    await presenter.reload()
    await expect(presenter.locator("body")).to_have_attribute("data-theme", "light")
    await expect(presenter.locator("#subject")).to_have_text(LAW)  # still presented
    await presenter.keyboard.press("t")
    await presenter.set_viewport_size(FOUR_THREE)
    await expect(presenter.locator("#results .bar.correct")).to_have_count(1)
    await screenshot(presenter, "presenter-4x3")

    # Free text: R reveals the word cloud (equal words together); Q enlarges the code.
    await presenter.keyboard.press("PageDown")
    await expect_presented(presenter, lecturer, word, WORD)
    await expect(presenter.locator("#results .cloud")).to_have_count(0)
    await expect(presenter.locator("#revealed")).to_have_text("")
    await presenter.keyboard.press("r")
    cloud = presenter.locator("#results .cloud li")
    await expect(cloud).to_have_count(2)
    await expect(cloud.first).to_have_attribute("data-count", "2")
    await expect(
        card(lecturer, word).get_by_role("button", name="Show results to students")
    ).to_have_attribute("aria-pressed", "true")
    await presenter.keyboard.press("q")
    await expect(presenter.locator("#corner")).to_have_attribute("aria-expanded", "true")
    await screenshot(presenter, "presenter-4x3-qr")
    await presenter.keyboard.press("Escape")
    await expect(presenter.locator("#corner")).to_have_attribute("aria-expanded", "false")
    assert page_errors == []


async def test_the_projector_leaves_hidden_free_text_answers_out(
    open_page, base_url, page_errors, owner, keyword, login
):
    question = await create_question_over_rest(
        owner, keyword, questionType="freetext", subject=WORD, text="One word?", active=True
    )
    answers = []
    for word in ("Inertia", "Nonsense"):
        someone = await login()
        assert (await someone.get(f"/session/{keyword}")).status == 200
        answers.append(await give_answer(someone, question, text=word))
    path = f"/lecturerquestion/{question['_id']}/answer/{answers[1]['_id']}/hide"
    assert (await owner.post(path, params={"hide": "true"})).status == 200
    presented = {"questionId": question["_id"]}
    assert (await owner.put(f"/session/{keyword}/presented", json=presented)).status == 200
    presenter = await open_page(
        f"{base_url}/presenter/{keyword}", viewport=PROJECTOR, **signed_in(owner, base_url)
    )
    await expect(presenter.locator("#answer-count")).to_have_text("Answers: 2")
    await presenter.keyboard.press("r")
    await expect(presenter.locator("#results .cloud li")).to_have_count(1)
    await expect(presenter.locator("#results .cloud li")).to_contain_text("Inertia")
    assert page_errors == []
