"""Accessibility of the three pages: axe-core, keyboard only, small and big screens, languages.

axe-core comes from npm (`node_modules/axe-core`), injected into the page under
test; the pages' Content-Security-Policy allows no foreign script, so those
browser contexts bypass it. The data behind the pages is set up over REST (the
`owner` and `participant` fixtures), and a browser comes in as that person by
carrying their login cookie.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Locator, Page, expect

from arsnova.schemas.question import QUESTION_TYPES
from arsnova.services.questions import DEFAULT_TEXTS
from tests.web.conftest import LAPTOP, PROJECTOR
from tests.web.pages import assert_no_axe_violations, assert_no_horizontal_scrolling, signed_in

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "arsnova" / "web" / "static"
PAGES = ("landing.html", "lecturer.html", "presenter.html", "student.html", "account.html")
SCRIPTS = (
    "common.js",
    "landing.js",
    "lecturer.js",
    "presenter.js",
    "student.js",
    "signin.js",
    "account.js",
    "qa.js",
    "moderation.js",
)
LANGUAGES = ("en", "de")
# Every success criterion of WCAG 2.0, 2.1 and 2.2 at levels A and AA that axe checks.
SMALL_PHONE = {"width": 360, "height": 740}
REFLOW = {"width": 320, "height": 640}  # WCAG 1.4.10: content reflows at 320 CSS px
TOUCH_TARGET_PX = 44  # WCAG 2.5.5 (AAA) and the platforms' guidelines for fingers
PROJECTED_KEYWORD_PX = 80  # readable from the back row of a lecture hall

LAW = "Newton's first law"
OPTIONS = ["It keeps its state of motion", "It slows down", "It speeds up"]


# --- the data behind the pages, over REST ---------------------------------------------


@dataclass
class Lecture:
    """A session with four published questions and an audience question. The participant
    answered two (`law`, a single choice, and `word`, free text) and left two open (a
    multiple choice and `vote`, a rating); `law` and `vote` show their results to students.
    """

    keyword: str
    owner: TestClient
    participant: TestClient
    law: dict
    word: dict
    vote: dict


async def post(client: TestClient, path: str, body: dict) -> dict:
    response = await client.post(path, json=body)
    assert response.status == 201, await response.text()
    return await response.json()


@pytest.fixture
async def lecture(owner: TestClient, participant: TestClient, keyword: str) -> Lecture:
    async def publish(kind: str, subject: str, text: str, options=(), **fields) -> dict:
        body = {"questionType": kind, "subject": subject, "text": text, "active": True, **fields}
        if options:
            body["possibleAnswers"] = [
                {"text": option, "correct": index == 0} for index, option in enumerate(options)
            ]
        return await post(owner, f"/session/{keyword}/lecturerquestion/", body)

    text = "What does a body do when no net force acts on it?"
    law = await publish("sc", LAW, text, OPTIONS, showStatistic=True)
    await publish("mc", "Inertia", "What has inertia to do with?", ["Mass", "Velocity", "Colour"])
    vote = await publish("vote", "Pace", "Rate today's lecture", showStatistic=True)
    word = await publish("freetext", "One word", "Today in one word?")
    await post(participant, f"/lecturerquestion/{law['_id']}/answer/", {"answerText": OPTIONS[0]})
    await post(participant, f"/lecturerquestion/{word['_id']}/answer/", {"answerText": "Forces"})
    await post(
        participant,
        f"/session/{keyword}/interposed/",
        {"subject": "Friction", "text": "Does friction count as a net force?"},
    )
    return Lecture(keyword, owner, participant, law, word, vote)


async def lecturer_page(open_page, base_url: str, lecture: Lecture, **options) -> Page:
    """The owner's session view, once the questions, results and audience question are drawn."""
    page = await open_page(
        f"{base_url}/lecturer/{lecture.keyword}", **options, **signed_in(lecture.owner, base_url)
    )
    await expect(page.locator("#question-list [data-question]")).to_have_count(4)
    law = page.locator(f'[data-question="{lecture.law["_id"]}"]')
    await expect(law.locator(".answered")).to_have_attribute("data-total", "1")
    word = page.locator(f'[data-question="{lecture.word["_id"]}"]')
    await expect(word.locator(".cloud li")).to_have_count(1)
    await expect(page.locator("#qa-list [data-qa]")).to_have_count(1)
    await expect(page.locator("#active-users")).not_to_be_empty()
    return page


async def student_page(open_page, base_url: str, lecture: Lecture, **options) -> Page:
    """The participant's page: two questions answered (one with results shown), two open."""
    page = await open_page(
        f"{base_url}/join/{lecture.keyword}", **options, **signed_in(lecture.participant, base_url)
    )
    await expect(page.locator("#questions [data-question]")).to_have_count(4)
    await expect(page.locator("#questions .my-answer")).to_have_count(2)
    law = page.locator(f'[data-question="{lecture.law["_id"]}"]')
    await expect(law.locator(".results .chart")).to_be_visible()
    await expect(page.locator("#feedback-buttons button")).to_have_count(4)
    await expect(page.locator("#qa-list [data-qa]")).to_have_count(1)
    return page


async def landing_page(open_page, base_url: str, path: str = "/", **options) -> Page:
    page = await open_page(f"{base_url}{path}", **options)
    await expect(page.locator("h1")).not_to_be_empty()
    return page


# --- 1. axe-core ----------------------------------------------------------------------


async def test_landing_page_with_and_without_a_notice_has_no_axe_violations(
    open_page, base_url, page_errors
):
    page = await landing_page(open_page, base_url, bypass_csp=True)
    await assert_no_axe_violations(page)
    sent_back = await landing_page(
        open_page, base_url, "/?notification=keyword-invalid", bypass_csp=True
    )
    await expect(sent_back.locator("#banner")).to_contain_text("no lecture session")
    await assert_no_axe_violations(sent_back)
    assert page_errors == []


async def test_lecturer_login_and_session_list_have_no_axe_violations(
    open_page, base_url, page_errors, owner
):
    options = {"viewport": LAPTOP, "bypass_csp": True}
    login = await open_page(f"{base_url}/lecturer/", **options)
    await expect(login.get_by_role("button", name="Continue as guest lecturer")).to_be_visible()
    await assert_no_axe_violations(login)
    sessions = await open_page(f"{base_url}/lecturer/", **options, **signed_in(owner, base_url))
    await expect(sessions.get_by_role("link", name="Physics I")).to_be_visible()
    await assert_no_axe_violations(sessions)
    assert page_errors == []


async def test_lecturer_session_with_questions_answers_and_audience_has_no_axe_violations(
    open_page, base_url, page_errors, lecture
):
    page = await lecturer_page(open_page, base_url, lecture, viewport=LAPTOP, bypass_csp=True)
    await assert_no_axe_violations(page)
    # The Q&A panel with its settings open and a reply being written.
    await page.locator("#qa-settings summary").click()
    friction = page.locator("#qa-list [data-qa]", has_text="Friction")
    await friction.get_by_role("button", name="Mark answered").click()
    await expect(friction.get_by_label("Reply (optional)")).to_be_focused()
    await assert_no_axe_violations(page)
    assert page_errors == []


@pytest.mark.parametrize("theme", ["dark", "light"])
async def test_presenter_page_with_a_chart_has_no_axe_violations(
    open_page, base_url, page_errors, lecture, theme
):
    response = await lecture.owner.put(
        f"/session/{lecture.keyword}/presented", json={"questionId": lecture.law["_id"]}
    )
    assert response.status == 200, await response.text()
    page = await open_page(
        f"{base_url}/presenter/{lecture.keyword}", viewport=PROJECTOR, bypass_csp=True,
        **signed_in(lecture.owner, base_url),
    )  # fmt: skip
    chart = page.locator("#results .chart [data-option]")
    await expect(chart).to_have_count(len(lecture.law["possibleAnswers"]))
    await expect(chart.first).to_have_attribute("data-count", "1")
    if theme == "light":
        await page.keyboard.press("t")
    await expect(page.locator("body")).to_have_attribute("data-theme", theme)
    await assert_no_axe_violations(page)
    assert page_errors == []


async def test_presenter_page_with_a_highlighted_audience_question_has_no_axe_violations(
    open_page, base_url, page_errors, lecture
):
    path = f"/session/{lecture.keyword}/qa/questions"
    [friction] = (await (await lecture.owner.get(path)).json())["questions"]
    response = await lecture.owner.patch(
        f"{path}/{friction['_id']}", json={"highlighted": True, "answered": True, "reply": "Yes."}
    )
    assert response.status == 200, await response.text()
    page = await open_page(
        f"{base_url}/presenter/{lecture.keyword}", viewport=PROJECTOR, bypass_csp=True,
        **signed_in(lecture.owner, base_url),
    )  # fmt: skip
    await expect(page.locator("#qa-stage-text")).to_have_text(friction["text"])
    await expect(page.locator(".qa-stage-reply-text")).to_have_text("Yes.")
    await assert_no_axe_violations(page)
    await page.keyboard.press("t")
    await expect(page.locator("body")).to_have_attribute("data-theme", "light")
    await assert_no_axe_violations(page)
    assert page_errors == []


async def test_student_page_with_answered_and_open_questions_has_no_axe_violations(
    open_page, base_url, page_errors, lecture
):
    page = await student_page(open_page, base_url, lecture, bypass_csp=True)
    await page.get_by_role("button", name="All good").click()  # a pressed button, too
    await expect(page.locator("#my-feedback")).to_have_text("Your feedback: All good")
    await assert_no_axe_violations(page)
    assert page_errors == []


# --- 2. keyboard only -----------------------------------------------------------------


async def tab_to(page: Page, target: Locator, limit: int = 60) -> None:
    """Presses Tab until `target` has the focus: proves it is reachable by keyboard."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await target.evaluate("node => node === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus in {limit} presses of Tab")


async def test_a_student_gives_feedback_answers_and_asks_by_keyboard_alone(
    open_page, base_url, page_errors, lecture
):
    # A new student: the page logs them in as a guest; every question is open to them.
    page = await open_page(f"{base_url}/join/{lecture.keyword}")
    law = page.locator("[data-question]", has_text=LAW)
    await expect(law.get_by_role("button", name=OPTIONS[1])).to_be_enabled()
    faster = page.get_by_role("button", name="Faster, please")
    lost = page.get_by_role("button", name="I'm lost")

    await tab_to(page, faster)
    await page.keyboard.press("Enter")
    await expect(faster).to_have_attribute("aria-pressed", "true")
    await tab_to(page, lost)
    await page.keyboard.press("Space")
    await expect(lost).to_have_attribute("aria-pressed", "true")
    await expect(faster).to_have_attribute("aria-pressed", "false")

    await tab_to(page, law.get_by_role("button", name=OPTIONS[1]))
    await page.keyboard.press("Enter")
    await expect(law.locator(".my-answer")).to_have_text(f"Your answer: {OPTIONS[1]}")

    await tab_to(page, page.get_by_label("Your question"))
    await page.keyboard.type("Is momentum conserved here?")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Momentum")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Send question")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#ask-status")).to_have_text("Sent. Your question is anonymous.")
    # …and votes for the one asked before, by keyboard too.
    friction = page.locator("#qa-list [data-qa]", has_text="Friction")
    up = friction.get_by_role("button", name="Vote up")
    await tab_to(page, up)
    await page.keyboard.press("Enter")
    await expect(up).to_have_attribute("aria-pressed", "true")

    asked = await (await lecture.owner.get(f"/session/{lecture.keyword}/interposed/")).json()
    assert "Momentum" in {question["subject"] for question in asked}
    assert page_errors == []


async def test_a_lecturer_creates_and_publishes_a_question_by_keyboard_alone(
    open_page, base_url, page_errors, owner, keyword, participant
):
    page = await open_page(
        f"{base_url}/lecturer/{keyword}", viewport=LAPTOP, **signed_in(owner, base_url)
    )
    form = page.locator("#question-form")
    await tab_to(page, form.get_by_label("Type"))
    await page.keyboard.press("ArrowDown")  # A/B/C/D → Single choice
    await expect(form.get_by_label("Type")).to_have_value("sc")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Units")
    await page.keyboard.press("Tab")
    await page.keyboard.type("What is the unit of force?")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Newton")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Space")  # "correct"
    await expect(form.get_by_role("checkbox").first).to_be_checked()
    await tab_to(page, form.get_by_role("textbox", name="Option 2", exact=True))
    await page.keyboard.type("Joule")
    await tab_to(page, form.get_by_label("Subject", exact=True))
    await page.keyboard.press("Enter")  # submits the form

    card = page.locator("[data-question]", has_text="Units")
    await expect(card.get_by_text("Not published", exact=True)).to_be_visible()
    await tab_to(page, card.get_by_role("button", name="Publish", exact=True))
    await page.keyboard.press("Enter")
    await expect(card.get_by_text("Published", exact=True)).to_be_visible()
    [question] = await (await owner.get(f"/session/{keyword}/lecturerquestion/")).json()
    assert question["questionType"] == "sc"
    assert question["text"] == "What is the unit of force?"
    assert [(o["text"], o["correct"]) for o in question["possibleAnswers"]] == [
        ("Newton", True),
        ("Joule", False),
    ]
    assert question["active"] is True

    # The card is drawn anew, on this and on every answer that comes in: the focus stays.
    unpublish = card.get_by_role("button", name="Unpublish", exact=True)
    await expect(unpublish).to_be_focused()
    await post(participant, f"/lecturerquestion/{question['_id']}/answer/", {"answerText": "Joule"})
    await expect(card.locator(".answered")).to_have_text("Answers: 1")
    await expect(unpublish).to_be_focused()
    assert page_errors == []


async def test_a_students_focus_stays_on_the_same_option_when_results_change_live(
    open_page, base_url, page_errors, lecture
):
    page = await open_page(f"{base_url}/join/{lecture.keyword}")
    vote = page.locator(f'[data-question="{lecture.vote["_id"]}"]')
    four = vote.get_by_role("button", name="4", exact=True)
    await tab_to(page, four)

    # Someone else answers: the card is drawn anew with the results (shown to students).
    await post(
        lecture.participant, f"/lecturerquestion/{lecture.vote['_id']}/answer/", {"answerText": "2"}
    )
    await expect(vote.locator(".results h4")).to_have_text("Results · answers: 1")
    await expect(four).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(vote.locator(".my-answer")).to_have_text("Your answer: 4")
    assert page_errors == []


# --- 3. phone and projector -----------------------------------------------------------


# German (long words) also at 320 px, the width WCAG 1.4.10 (reflow) asks pages to fit.
@pytest.mark.parametrize(
    ("viewport", "locale"),
    [(SMALL_PHONE, "en-US"), (REFLOW, "de-DE"), (PROJECTOR, "en-US")],
    ids=["phone", "reflow-de", "projector"],
)
async def test_no_page_scrolls_sideways_and_targets_are_big_enough(
    open_page, base_url, page_errors, lecture, viewport, locale
):
    options = {"viewport": viewport, "locale": locale}
    landing, lecturer, student = await asyncio.gather(
        landing_page(open_page, base_url, **options),
        lecturer_page(open_page, base_url, lecture, **options),
        student_page(open_page, base_url, lecture, **options),
    )
    for page in (landing, lecturer, student):
        await assert_no_horizontal_scrolling(page)

    if viewport is PROJECTOR:
        keyword_box = await lecturer.locator("#keyword").bounding_box()
        assert keyword_box["height"] >= PROJECTED_KEYWORD_PX, keyword_box

    targets = student.locator(
        "#questions button, #questions label.choice, #feedback-buttons button, #ask-form button,"
        " #qa-list button"
    )
    assert await targets.count() >= 4 + 5 + 1 + 3 + 2 + 1 + 3  # feedback, vote, abstain, mc, Q&A…
    for target in await targets.all():
        box = await target.bounding_box()
        assert box["height"] >= TOUCH_TARGET_PX, (await target.inner_text(), box)
    assert page_errors == []


# --- 4. languages ---------------------------------------------------------------------


def catalogue(language: str) -> dict[str, str]:
    return json.loads((STATIC / "i18n" / f"{language}.json").read_text(encoding="utf-8"))


def js_array(script: str, name: str) -> list[str]:
    """The strings of `const NAME = [...]` in one of the page scripts."""
    source = (STATIC / "js" / script).read_text(encoding="utf-8")
    found = re.search(rf"const {name} = \[([^\]]*)\]", source)
    assert found, f"{script} defines no {name}"
    return re.findall(r'"([^"]+)"', found.group(1))


def first_arguments_of_t(source: str) -> list[str]:
    """The first argument of every `t(…)` call, as written (up to its top-level comma)."""
    arguments = []
    for call in re.finditer(r"\bt\(", source):
        depth, end = 0, call.end()
        while end < len(source):
            char = source[end]
            if char in "([{":
                depth += 1
            elif char in ")]}" and depth:
                depth -= 1
            elif char in ",)" and not depth:
                break
            end += 1
        arguments.append(source[call.end() : end].strip())
    return arguments


# Keys built at run time: `t(`family.${…}`)`, with every value the family can take.
DYNAMIC_FAMILIES = {
    "type.": QUESTION_TYPES,
    "feedback.": js_array("common.js", "FEEDBACK"),
    "notification.": js_array("landing.js", "NOTIFICATIONS"),
    "option.": DEFAULT_TEXTS["yesno"],
    "qa.tab.": js_array("moderation.js", "QA_STATUSES"),
    "qa.none.": js_array("moderation.js", "QA_STATUSES"),
}


def used_keys() -> set[str]:
    keys = set()
    for name in PAGES:
        html = (STATIC / name).read_text(encoding="utf-8")
        keys.update(re.findall(r'\bdata-i18n(?:-[a-z]+)*="([^"]+)"', html))
    for name in SCRIPTS:
        for argument in first_arguments_of_t((STATIC / "js" / name).read_text(encoding="utf-8")):
            if argument.startswith("`"):
                family = re.fullmatch(r"`([\w.-]+\.)\$\{[^}]+\}`", argument)
                assert family and family.group(1) in DYNAMIC_FAMILIES, (
                    f"{name}: t({argument}) builds keys of a family this test does not know"
                )
            else:
                keys.update(re.findall(r'"([^"]+)"', argument))
    for prefix, values in DYNAMIC_FAMILIES.items():
        keys.update(f"{prefix}{value}" for value in values)
    return keys


def test_every_text_the_pages_use_is_in_both_catalogues_and_they_match():
    catalogues = {language: catalogue(language) for language in LANGUAGES}
    keys = used_keys()
    # A few of each source: the HTML, a literal t("…"), a ternary, each dynamic family.
    assert {"landing.title", "student.askButton", "question.draft", "lecturer.unlock"} <= keys
    assert {"type.freetext", "feedback.away", "notification.session-deleted", "option.no"} <= keys
    for language, messages in catalogues.items():
        assert keys - set(messages) == set(), f"missing in {language}.json"
        empty = [key for key, text in messages.items() if not isinstance(text, str) or not text]
        assert empty == [], f"empty texts in {language}.json"
    assert set(catalogues["en"]) == set(catalogues["de"])


GREETINGS = {
    "de": {
        "landing": "ARSnova: Live-Fragen im Hörsaal",
        "lecturer": "Als Gast-Lehrende*r fortfahren",
        "student": "Wie ist das Tempo?",
    },
    "en": {
        "landing": "ARSnova: live questions in the lecture hall",
        "lecturer": "Continue as guest lecturer",
        "student": "How is the pace?",
    },
}


async def assert_translated(page: Page, language: str) -> None:
    await expect(page.locator("html")).to_have_attribute("lang", language)
    untranslated = await page.eval_on_selector_all(
        "[data-i18n]", "nodes => nodes.filter(n => n.textContent === n.dataset.i18n).length"
    )
    assert untranslated == 0


@pytest.mark.parametrize(
    ("locale", "language"), [("de-DE", "de"), ("en-US", "en"), ("fr-FR", "en")]
)
async def test_pages_speak_the_browsers_language_else_english(
    open_page, base_url, page_errors, keyword, locale, language
):
    texts = GREETINGS[language]
    paths = ("/", "/lecturer/", f"/join/{keyword}")
    landing, lecturer, student = await asyncio.gather(
        *(open_page(f"{base_url}{path}", locale=locale) for path in paths)
    )
    await expect(landing.get_by_role("heading", level=1)).to_have_text(texts["landing"])
    await expect(lecturer.get_by_role("button", name=texts["lecturer"])).to_be_visible()
    await expect(student.get_by_role("heading", name=texts["student"])).to_be_visible()
    await expect(student.locator("#session-name")).to_have_text("Physics I")
    for page in (landing, lecturer, student):
        await assert_translated(page, language)
    assert await landing.title() == texts["landing"]
    assert page_errors == []
