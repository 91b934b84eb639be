"""Peer instruction in real browsers: two rounds of one question, compared side by side on the
lecturer's page and on the projector (live, as the rounds start and the answers come in), then
the answers reset after a confirmation."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.web.conftest import FOUR_THREE, LAPTOP, PROJECTOR, start_session
from tests.web.pages import OPTIONS, assert_no_axe_violations, create_question

LAW = "Newton's first law"


def round_count(lecturer: Page, question_id: str, pi_round: int, index: int):
    card = lecturer.locator(f'[data-question="{question_id}"]')
    return card.locator(f'[data-round="{pi_round}"] li[data-option="{index}"]')


def presented_count(presenter: Page, pi_round: int, index: int):
    return presenter.locator(f'#results [data-option="{index}"] [data-round="{pi_round}"]')


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

    # On the projector, revealed: one round, one chart as ever.
    login = await lecturer.context.storage_state()  # the same lecturer, in a window of its own
    presenter = await open_page(
        f"{base_url}/presenter/{keyword}", viewport=PROJECTOR, storage_state=login, bypass_csp=True
    )
    await card.get_by_role("button", name="Present", exact=True).click()
    await card.get_by_role("button", name="Show results to students").click()
    await expect(presenter.locator("#subject")).to_have_text(LAW)
    await expect(presenter.locator('#results li[data-option="1"]')).to_have_attribute(
        "data-count", "2"
    )
    await expect(presenter.locator("#results .rounds-chart")).to_have_count(0)

    # Round 2 after the discussion: every student answers again.
    await card.get_by_role("button", name="New round").click()
    await expect(card.locator(".pill.round")).to_have_text("Round 2")
    await expect(card.locator(".answered")).to_have_text("Answers: 0")
    # The projector adds round 2's (empty) bars without a reload.
    legend = presenter.locator("#results .round-legend li")
    await expect(legend).to_have_text(["Round 1 · answers: 3", "Round 2 · answers: 0"])
    await expect(presented_count(presenter, 2, 0)).to_have_attribute("data-count", "0")
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

    # The projector: per option a bar for each round, with its count and share.
    await expect(legend).to_have_text(["Round 1 · answers: 3", "Round 2 · answers: 3"])
    await expect(presenter.locator("#answer-count")).to_have_text("Answers: 3")
    for pi_round, counts in ((1, [1, 2, 0, 0]), (2, [3, 0, 0, 0])):
        for index, count in enumerate(counts):
            await expect(presented_count(presenter, pi_round, index)).to_have_attribute(
                "data-count", str(count)
            )
    await expect(presented_count(presenter, 1, 1)).to_contain_text("Round 1")
    await expect(presented_count(presenter, 1, 1)).to_contain_text("2 (67 %)")
    await expect(presented_count(presenter, 2, 0)).to_contain_text("3 (100 %)")
    await assert_no_axe_violations(presenter)
    shots = ((PROJECTOR, "pi-rounds-presenter"), (FOUR_THREE, "pi-rounds-presenter-4x3"))
    for viewport, name in shots:
        await presenter.set_viewport_size(viewport)
        # Round 2 under round 1, its bar three times as long (100 % against 33 %), all on screen.
        fills = [
            await presented_count(presenter, pi_round, 0).locator(".bar-fill").bounding_box()
            for pi_round in (1, 2)
        ]
        assert fills[1]["y"] > fills[0]["y"]
        assert 2.8 < fills[1]["width"] / fills[0]["width"] < 3.2, fills
        last = await presented_count(presenter, 2, 3).bounding_box()
        assert last["y"] + last["height"] <= viewport["height"], last
        await screenshot(presenter, name)
    await presenter.keyboard.press("t")  # the light theme
    await expect(presenter.locator("body")).to_have_attribute("data-theme", "light")
    await screenshot(presenter, "pi-rounds-presenter-4x3-light")

    # Reset: a dismissed confirmation keeps everything; an accepted one empties every round.
    lecturer.once("dialog", lambda dialog: dialog.dismiss())
    await card.get_by_role("button", name="Reset answers").click()
    await expect(sections).to_have_count(2)
    lecturer.once("dialog", lambda dialog: dialog.accept())
    await card.get_by_role("button", name="Reset answers").click()
    await expect(card.locator(".rounds")).to_have_count(0)
    await expect(card.locator(".pill.round")).to_have_count(0)
    await expect(card.locator(".answered")).to_have_text("Answers: 0")
    await expect(presenter.locator("#results .rounds-chart")).to_have_count(0)
    await expect(presenter.locator("#answer-count")).to_have_text("Answers: 0")
    for student in students:
        question = student.locator("[data-question]", has_text=LAW)
        await expect(question.get_by_role("button", name=OPTIONS[0])).to_be_visible()
        await expect(question.locator(".answer-again")).to_have_count(0)
    await answer(english, 2)
    await expect(card.locator('li[data-option="2"]')).to_have_attribute("data-count", "1")
    assert page_errors == []
