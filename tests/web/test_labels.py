"""Options as people read them (issue 18), in real browsers: letters A to D on ABCD questions,
what the ends of a rating or grade scale mean, mean and median for the lecturer, long German
words on a 360 px phone, and the student's phone view of the README."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from playwright.async_api import Page, expect

from tests.helpers import create_lecture, create_question, give_answer, question_path
from tests.web.conftest import LAPTOP, PHONE, PROJECTOR
from tests.web.pages import signed_in

NARROW_PHONE = {"width": 360, "height": 740}
LAW = "Newton's first law"
OPTIONS = ["It keeps its state of motion", "It slows down", "It speeds up", "It turns"]


async def student(login, keyword: str) -> TestClient:
    """Another student who joined the session (over REST)."""
    client = await login()
    assert (await client.get(f"/session/{keyword}")).status == 200
    return client


async def change(owner: TestClient, question: dict, **fields) -> None:
    response = await owner.put(question_path(question["_id"]), json=fields)
    assert response.status == 204, await response.text()


def choices(texts: list[str]) -> list[dict]:
    """Options for a question, the first one correct."""
    return [{"text": text, "correct": index == 0} for index, text in enumerate(texts)]


def card(page: Page, question: dict):
    return page.locator(f'[data-question="{question["_id"]}"]')


async def test_letters_scale_ends_and_averages_on_every_page(
    open_page, base_url, page_errors, owner, keyword, login, screenshot
):
    law = await create_question(
        owner, keyword, questionType="abcd", subject=LAW, text="No net force acts on a body.",
        possibleAnswers=choices(OPTIONS), active=True, showStatistic=True,
    )  # fmt: skip
    vote = await create_question(
        owner, keyword, questionType="vote", subject="Pace", text="The pace was right.", active=True
    )
    grade = await create_question(
        owner, keyword, questionType="school", subject="Grade", text="Grade today.", active=True
    )
    # Ratings 1, 2, 4 and an abstention: mean 7/3, median 2. Grades 1 and 2: both 1.5.
    for rating, mark in (("1", "1"), ("2", "2"), ("4", None), (None, None)):
        someone = await student(login, keyword)
        body = {"abstention": True} if rating is None else {"answerText": rating}
        await give_answer(someone, vote, body)
        if mark:
            await give_answer(someone, grade, text=mark)
    await give_answer(someone, law, text=OPTIONS[0])

    # The lecturer: letters on the ABCD chart, the scales' ends, mean and median.
    lecturer = await open_page(
        f"{base_url}/lecturer/{keyword}", viewport=LAPTOP, **signed_in(owner, base_url)
    )
    labels = card(lecturer, law).locator("li.bar .bar-label")
    await expect(labels).to_contain_text(
        [f"{letter} {text}" for letter, text in zip("ABCD", OPTIONS, strict=True)]
    )
    vote_labels = card(lecturer, vote).locator("li.bar .bar-label")
    await expect(vote_labels).to_have_text(
        ["1 = strongly agree", "2", "3", "4", "5 = strongly disagree", "Abstained"]
    )
    await expect(card(lecturer, vote).locator(".scale-summary")).to_have_text(
        "Mean 2.3 · median 2 (3 answers, abstentions left out)"
    )
    await expect(card(lecturer, grade).locator("li.bar .bar-label").last).to_have_text(
        "6 = insufficient"
    )
    await expect(card(lecturer, grade).locator(".scale-summary")).to_have_text(
        "Mean 1.5 · median 1.5 (2 answers, abstentions left out)"
    )
    await expect(card(lecturer, law).locator(".scale-summary")).to_have_count(0)
    await screenshot(lecturer, "labels-lecturer")

    # A student (in German): lettered buttons, heard with their letter; the scale's ends.
    phone = await open_page(f"{base_url}/join/{keyword}", locale="de-DE")
    await card(phone, law).get_by_role("button", name=f"B {OPTIONS[1]}", exact=True).click()
    await expect(card(phone, law).locator(".my-answer")).to_have_text(
        f"Deine Antwort: B {OPTIONS[1]}"
    )
    ends = card(phone, vote).locator(".scale-ends")
    await expect(ends).to_have_text("1 = trifft voll zu 5 = trifft gar nicht zu")
    buttons = card(phone, vote).get_by_role("group", name="Wähle eine Antwort")
    await expect(buttons).to_have_accessible_description(
        "1 = trifft voll zu 5 = trifft gar nicht zu"
    )
    await expect(card(phone, grade).locator(".scale-ends")).to_have_text(
        "1 = sehr gut 6 = ungenügend"
    )
    await card(phone, vote).get_by_role("button", name="5", exact=True).click()
    await expect(card(phone, vote).locator(".my-answer")).to_have_text(
        "Deine Antwort: 5 = trifft gar nicht zu"
    )
    await expect(phone.locator(".scale-summary")).to_have_count(0)  # for the lecturer
    await screenshot(phone, "labels-student-de")

    # The presenter: lettered options; the averages come with the results, not before.
    response = await owner.put(f"/session/{keyword}/presented", json={"questionId": vote["_id"]})
    assert response.status == 200, await response.text()
    presenter = await open_page(
        f"{base_url}/presenter/{keyword}", viewport=PROJECTOR, **signed_in(owner, base_url)
    )
    await expect(presenter.locator("#results .option-list li").first).to_have_text(
        "1 = strongly agree"
    )
    await expect(presenter.locator("#results .scale-summary")).to_have_count(0)
    await presenter.keyboard.press("r")
    await expect(presenter.locator("#results .scale-summary")).to_have_text(
        "Mean 3 · median 3 (4 answers, abstentions left out)"  # the German student's 5 too
    )
    await screenshot(presenter, "labels-presenter-scale")
    await presenter.keyboard.press("ArrowLeft")  # the question before it
    await expect(presenter.locator("#subject")).to_have_text(LAW)
    await expect(presenter.locator("#results")).to_contain_text(f"A {OPTIONS[0]}")
    assert page_errors == []


async def test_mean_and_median_of_a_scale(open_page, base_url, page_errors):
    page = await open_page(f"{base_url}/")
    await expect(page.locator("h1")).not_to_be_empty()
    results = await page.evaluate(
        """async () => {
            const { scaleAverages } = await import("/static/js/common.js");
            const counts = [[], [0, 0], [1, 0, 0, 1], [0, 3, 1], [2, 0, 0, 0, 1], [0, 0, 5]];
            return counts.map(scaleAverages);
        }"""
    )
    assert results == [
        None,
        None,
        {"count": 2, "mean": 2.5, "median": 2.5},
        {"count": 4, "mean": 2.25, "median": 2},
        {"count": 3, "mean": 7 / 3, "median": 1},
        {"count": 5, "mean": 3, "median": 3},
    ]
    assert page_errors == []


# Realistic German teaching material: compounds no 360 px line holds.
COMPOUNDS = [
    "Donaudampfschifffahrtsgesellschaftskapitänsmütze",
    "Elektrizitätsversorgungsunternehmensverantwortlicher",
    "Spannungsquellenersatzschaltbildberechnungsverfahren",
    "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz",
]


async def long_german_lecture(owner: TestClient, login) -> tuple[str, list[dict]]:
    keyword = await create_lecture(owner, "Grundlagen Elektrotechnik und Informationstechnik")
    text = "Welche Größe bleibt beim Umlauf einer Masche erhalten? " + COMPOUNDS[2]
    fields = {"active": True, "showStatistic": True, "showAnswer": True}
    questions = [
        await create_question(
            owner, keyword, questionType=kind, subject="Kirchhoffsche Maschenregel",
            text=text, possibleAnswers=choices(COMPOUNDS),
            **fields,
        )
        for kind in ("abcd", "mc")
    ]  # fmt: skip
    questions.append(
        await create_question(
            owner, keyword, questionType="freetext", subject=COMPOUNDS[3], text=text, **fields
        )
    )
    someone = await student(login, keyword)
    await give_answer(someone, questions[0], text=COMPOUNDS[1])
    await give_answer(someone, questions[2], text=f"{COMPOUNDS[0]} {COMPOUNDS[3]}")
    response = await someone.post(
        f"/session/{keyword}/interposed/", json={"subject": COMPOUNDS[0], "text": COMPOUNDS[3]}
    )
    assert response.status == 201, await response.text()
    return keyword, questions


async def test_long_german_words_fit_a_360_px_phone(
    open_page, base_url, page_errors, owner, login, screenshot
):
    keyword, questions = await long_german_lecture(owner, login)
    options = {"viewport": NARROW_PHONE, "locale": "de-DE"}
    lecturer = await open_page(
        f"{base_url}/lecturer/{keyword}", **options, **signed_in(owner, base_url)
    )
    phone = await open_page(f"{base_url}/join/{keyword}", **options)
    await expect(card(phone, questions[0]).locator(".results li.bar")).to_have_count(4)
    await expect(card(phone, questions[2]).locator(".revealed-answers li")).to_have_count(1)
    await expect(card(lecturer, questions[2]).locator(".freetext-answers li")).to_have_count(1)
    await expect(lecturer.locator("#qa-list [data-qa]")).to_have_count(1)
    for page, name in ((phone, "long-words-student"), (lecturer, "long-words-lecturer")):
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW_PHONE["width"], f"{page.url} is {width} px wide"
        await screenshot(page, name)
    assert page_errors == []


async def test_student_phone_view_with_a_countdown_and_the_correct_answer(
    open_page, base_url, page_errors, owner, keyword, login, screenshot
):
    """The README's student phone view: a revealed answer (right) and a question counting down."""
    law = await create_question(
        owner, keyword, questionType="abcd", subject=LAW,
        text="What does a body do when no net force acts on it?",
        possibleAnswers=choices(OPTIONS),
        active=True,
    )  # fmt: skip
    for text in (OPTIONS[0], OPTIONS[1], OPTIONS[0]):
        await give_answer(await student(login, keyword), law, text=text)
    phone = await open_page(f"{base_url}/join/{keyword}", viewport=PHONE)
    await card(phone, law).get_by_role("button", name=f"A {OPTIONS[0]}").click()
    await expect(card(phone, law).locator(".my-answer")).to_be_visible()
    await change(owner, law, showStatistic=True, showAnswer=True)
    await expect(card(phone, law).locator(".my-answer.right")).to_have_text(
        f"✓ Your answer: A {OPTIONS[0]} — correct"
    )
    await expect(card(phone, law).locator("li.bar").first).to_have_attribute("data-count", "3")

    pace = await create_question(
        owner, keyword, questionType="vote", subject="Pace", text="The pace today was right.",
        active=True,
    )  # fmt: skip
    response = await owner.post(question_path(pace["_id"]) + "/countdown", params={"seconds": "90"})
    assert response.status == 200, await response.text()
    await expect(card(phone, pace).get_by_role("timer")).to_contain_text("s left to answer")
    await expect(card(phone, pace).locator(".scale-ends")).to_be_visible()
    await phone.get_by_role("button", name="All good").click()
    await expect(phone.locator("#my-feedback")).to_have_text("Your feedback: All good")
    await screenshot(phone, "student-phone")
    assert page_errors == []
