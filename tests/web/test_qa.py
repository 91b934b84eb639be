"""Audience Q&A (issue 21) in real browsers: three students, the lecturer's moderation panel, the
presenter view.

The lecturer switches to pre-moderation on the page; three students ask (text only, one with a
subject), the lecturer approves them from the queue, the students vote and see the order change
live, the lecturer highlights one (the projector shows it large) and marks it answered with a
reply. Every page gets there without a reload: each marks itself once and checks at the end.
"""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.web.conftest import LAPTOP, PHONE, PROJECTOR
from tests.web.pages import (
    assert_no_axe_violations,
    assert_no_horizontal_scrolling,
    signed_in,
)

ASKED = [  # (subject, text), by Anna, Ben and Chris in that order
    ("", "Does friction count as a net force?"),
    ("Homework", "Is sheet 3 due on Monday or on Tuesday?"),
    ("", "Why does the moon not fall onto the earth?"),
]
FRICTION, HOMEWORK, MOON = (text for _, text in ASKED)
REPLY = "Yes: friction is one of the forces that add up to the net force."


def qa_texts(page: Page):
    """The texts of the Q&A list in the order shown."""
    return page.locator("#qa-list > li[data-qa] .qa-text")


def qa_card(page: Page, text: str):
    return page.locator("#qa-list > li[data-qa]", has_text=text)


async def ask(student: Page, text: str, subject: str = "") -> None:
    await student.get_by_label("Your question").fill(text)
    if subject:
        await student.get_by_label("Subject (optional)").fill(subject)
    await student.get_by_role("button", name="Send question").click()


async def test_students_ask_and_vote_the_lecturer_moderates_highlights_and_answers(
    open_page, base_url, owner, keyword, page_errors, screenshot
):
    lecturer = await open_page(
        f"{base_url}/lecturer/{keyword}", viewport=LAPTOP, **signed_in(owner, base_url)
    )
    presenter = await open_page(
        f"{base_url}/presenter/{keyword}", viewport=PROJECTOR, **signed_in(owner, base_url)
    )
    await expect(presenter.locator("#join-keyword")).to_be_visible()

    # Pre-moderation, set on the page: new questions wait in the queue.
    panel = lecturer.locator("#qa-panel")
    await panel.get_by_text("Q&A settings").click()
    await panel.get_by_label("Before: questions wait in the queue until approved").check()
    await panel.get_by_role("button", name="Save settings").click()
    await expect(panel.locator("#qa-settings-status")).to_have_text("Settings saved.")
    settings = await (await owner.get(f"/session/{keyword}/qa/settings")).json()
    assert settings["moderation"] == "pre"
    await panel.get_by_text("Q&A settings").click()  # closed again

    students = [
        await open_page(f"{base_url}/join/{keyword}"),
        await open_page(f"{base_url}/join/{keyword}", locale="de-DE"),
        await open_page(f"{base_url}/join/{keyword}", viewport=LAPTOP),
    ]
    anna, ben, chris = students
    for page in (lecturer, presenter, *students):
        await page.evaluate("window.neverReloaded = true")
    await expect(anna.locator("#qa-none")).to_be_visible()

    # Three questions, text only (Ben adds a subject; his page speaks German).
    await ask(anna, FRICTION)
    await expect(anna.locator("#ask-status")).to_contain_text("once the lecturer approves it")
    await ben.get_by_label("Deine Frage").fill(HOMEWORK)
    await ben.get_by_label("Betreff (optional)").fill("Homework")
    await ben.get_by_role("button", name="Frage senden").click()
    await expect(ben.locator("#ask-status")).to_contain_text("sobald die Lehrperson sie freigibt")
    await ask(chris, MOON)
    await expect(chris.locator("#ask-status")).to_contain_text("once the lecturer approves it")

    # The lecturer's queue fills live; students see nothing before approval.
    queue = panel.get_by_role("tab", name=re.compile(r"^Queue"))
    await expect(queue).to_have_text("Queue (3)")
    await expect(panel.locator("#qa-waiting")).to_have_text("3 waiting")
    await queue.click()
    await expect(queue).to_have_attribute("aria-selected", "true")
    await expect(panel.locator("#qa-list > li[data-qa]")).to_have_count(3)
    # Each student sees their own question waiting, no one else's.
    await expect(qa_card(anna, FRICTION).locator(".qa-waiting")).to_have_text(
        "Waiting for approval"
    )
    await expect(anna.locator("#qa-list > li[data-qa]")).to_have_count(1)
    await expect(chris.locator("#qa-list > li[data-qa]")).to_have_count(1)  # his own
    for text in (FRICTION, HOMEWORK, MOON):
        await qa_card(lecturer, text).get_by_role("button", name="Approve").click()
        await expect(qa_card(lecturer, text)).to_have_count(0)  # gone from the queue
    await expect(queue).to_have_text("Queue (0)")
    await panel.get_by_role("tab", name="Approved (3)").click()
    for student in students:
        await expect(student.locator("#qa-list > li[data-qa]")).to_have_count(3)
    await expect(qa_card(anna, FRICTION).locator(".qa-mine")).to_have_text("Your question")
    await expect(qa_card(anna, FRICTION).locator(".qa-waiting")).to_have_count(0)
    await expect(qa_card(anna, MOON).locator(".qa-mine")).to_have_count(0)

    # Top first: no votes yet, so newest first. Then Ben and Chris vote up Anna's question and
    # Anna Ben's: Anna's page reorders live.
    for student, name in ((anna, "Top"), (ben, "Beliebt"), (chris, "Top")):
        await student.get_by_role("button", name=name, exact=True).click()
    await expect(qa_texts(anna)).to_have_text([MOON, HOMEWORK, FRICTION])
    for student, text, name in ((ben, FRICTION, "Dafür stimmen"), (chris, FRICTION, "Vote up"),
                                (anna, HOMEWORK, "Vote up")):  # fmt: skip
        up = qa_card(student, text).get_by_role("button", name=name)
        await up.click()
        await expect(up).to_have_attribute("aria-pressed", "true")
    for student in students:
        await expect(qa_texts(student)).to_have_text([FRICTION, HOMEWORK, MOON])
    await expect(qa_card(anna, FRICTION).locator(".qa-score")).to_have_attribute("data-score", "2")
    await expect(qa_card(lecturer, FRICTION).locator(".qa-score")).to_have_attribute(
        "data-score", "2"
    )
    # Anna takes her vote back: Ben's question falls behind the newer one.
    up = qa_card(anna, HOMEWORK).get_by_role("button", name="Vote up")
    await up.click()
    await expect(up).to_have_attribute("aria-pressed", "false")
    for student in students:
        await expect(qa_texts(student)).to_have_text([FRICTION, MOON, HOMEWORK])

    # Ben edits his own question while it is unanswered; everyone sees the new text.
    own = ben.locator(f'[data-qa="{await qa_card(ben, HOMEWORK).get_attribute("data-qa")}"]')
    await own.get_by_role("button", name="Bearbeiten").click()
    edited = "Is sheet 3 due on Monday?"
    await own.get_by_label("Deine Frage").fill(edited)
    await own.get_by_role("button", name="Speichern").click()
    for student in students:
        await expect(qa_card(student, edited)).to_be_visible()

    # The lecturer highlights Anna's question: the projector shows it large, students see it marked.
    approved = lecturer.locator("#qa-list > li[data-qa]")
    await expect(approved).to_have_count(3)
    highlight = qa_card(lecturer, FRICTION).get_by_role("button", name="Show on projector")
    await highlight.click()
    await expect(highlight).to_have_attribute("aria-pressed", "true")
    await expect(presenter.locator("#qa-stage-text")).to_have_text(FRICTION)
    await expect(presenter.locator("#qa-view .qa-stage-votes")).to_have_text("▲ 2 votes")
    for student in students:
        await expect(qa_card(student, FRICTION).locator(".qa-highlighted")).to_be_visible()
    # Highlighting another takes the first off the projector.
    await qa_card(lecturer, MOON).get_by_role("button", name="Show on projector").click()
    await expect(presenter.locator("#qa-stage-text")).to_have_text(MOON)
    await expect(highlight).to_have_attribute("aria-pressed", "false")
    await qa_card(lecturer, FRICTION).get_by_role("button", name="Show on projector").click()
    await expect(presenter.locator("#qa-stage-text")).to_have_text(FRICTION)
    await expect(lecturer.locator("#qa-list .qa-highlighted")).to_have_count(1)

    # Answered, with a reply: students see both, Anna cannot edit hers now; the projector shows it.
    friction = qa_card(lecturer, FRICTION)
    await friction.get_by_role("button", name="Mark answered").click()
    await friction.get_by_label("Reply (optional)").fill(REPLY)
    await friction.get_by_role("button", name="Mark answered").click()
    await expect(friction.locator(".qa-answered")).to_be_visible()
    for student in students:
        card = qa_card(student, FRICTION)
        await expect(card.locator(".qa-answered")).to_be_visible()
        await expect(card.locator(".qa-reply-text")).to_have_text(REPLY)
    await expect(qa_card(anna, FRICTION).get_by_role("button", name="Edit")).to_have_count(0)
    await expect(anna.locator("#announcer")).to_have_text("Your question was answered.")
    await expect(presenter.locator(".qa-stage-reply-text")).to_have_text(REPLY)
    await expect(presenter.locator(".qa-stage-answered")).to_be_visible()
    await screenshot(presenter, "qa-presenter")
    # H on the projector ends the highlight: back to the lecture (here: how to join), everywhere.
    await presenter.keyboard.press("h")
    await expect(presenter.locator("#qa-view")).to_be_hidden()
    await expect(presenter.locator("#join-keyword")).to_be_visible()
    await expect(highlight).to_have_attribute("aria-pressed", "false")
    await expect(qa_card(anna, FRICTION).locator(".qa-highlighted")).to_have_count(0)

    # Sorted "unanswered first", the answered one goes last on the lecturer's page.
    await panel.get_by_label("Sort:").select_option("unanswered")
    await expect(lecturer.locator("#qa-list > li[data-qa] .qa-text").last).to_have_text(FRICTION)

    await screenshot(anna, "qa-student-phone")
    await lecturer.locator("#qa-heading").scroll_into_view_if_needed()  # the side column scrolls
    await screenshot(lecturer, "qa-lecturer")
    for page in (lecturer, presenter, *students):
        assert await page.evaluate("window.neverReloaded") is True
        await assert_no_horizontal_scrolling(page)
    assert page_errors == []


async def test_closed_q_and_a_keeps_the_list_and_downvotes_follow_the_setting(
    open_page, base_url, owner, keyword, participant, page_errors
):
    response = await participant.post(f"/session/{keyword}/qa/questions", json={"text": FRICTION})
    assert response.status == 201, await response.text()
    student = await open_page(f"{base_url}/join/{keyword}", viewport=PHONE)
    card = qa_card(student, FRICTION)
    await expect(card).to_be_visible()
    await expect(card.get_by_role("button", name="Vote down")).to_have_count(0)
    await expect(student.get_by_label("Your question")).to_be_visible()

    # The owner closes Q&A and allows down votes: the page follows live.
    settings = {"open": False, "downvotes": True}  # the others stay
    response = await owner.put(f"/session/{keyword}/qa/settings", json=settings)
    assert response.status == 200, await response.text()
    await expect(student.locator("#qa-closed")).to_be_visible()
    await expect(student.get_by_label("Your question")).to_be_hidden()
    await expect(card).to_be_visible()
    down = card.get_by_role("button", name="Vote down")
    await down.click()
    await expect(down).to_have_attribute("aria-pressed", "true")
    await expect(card.locator(".qa-score")).to_have_attribute("data-score", "-1")

    # Hidden by the lecturer: gone from the student's list, live.
    [question] = (
        await (await owner.get(f"/session/{keyword}/qa/questions?status=approved")).json()
    )["questions"]
    response = await owner.patch(
        f"/session/{keyword}/qa/questions/{question['_id']}", json={"status": "hidden"}
    )
    assert response.status == 200, await response.text()
    await expect(card).to_have_count(0)
    await expect(student.locator("#qa-none")).to_be_visible()
    assert page_errors == []


async def test_a_co_moderator_approves_from_the_student_page(
    open_page, base_url, owner, keyword, participant, login, page_errors
):
    """The owner names a student a co-moderator while their page is open: the panel appears
    there at once, and they moderate on the student page, without the session. A word the
    owner added to the word filter sends a question to the queue, marked. Dropped, the panel
    goes at once."""
    moderator = await login()
    assert (await moderator.get(f"/session/{keyword}")).status == 200
    page = await open_page(
        f"{base_url}/join/{keyword}", bypass_csp=True, **signed_in(moderator, base_url)
    )
    panel = page.locator("#moderation")
    await expect(page.get_by_label("Your question")).to_be_visible()  # joined, Q&A loaded
    await expect(panel).to_be_hidden()
    settings = {
        "moderation": "none",
        "moderators": [moderator.username],
        "wordFilter": {"enabled": True, "languages": ["en"], "extraWords": ["rhubarb"]},
    }
    response = await owner.put(f"/session/{keyword}/qa/settings", json=settings)
    assert response.status == 200, await response.text()
    await expect(panel).to_be_visible()
    queue = panel.get_by_role("tab", name=re.compile(r"^Queue"))
    await expect(panel.locator("#mod-settings")).to_have_count(0)  # settings are the owner's

    await expect(panel.get_by_role("tab", name="Approved (0)")).to_have_attribute(
        "aria-selected", "true"
    )  # nothing waits: the approved ones first
    rhubarb = "Is Rhubarb a fruit or a vegetable?"
    response = await participant.post(f"/session/{keyword}/qa/questions", json={"text": rhubarb})
    assert response.status == 201, await response.text()
    await expect(queue).to_have_text("Queue (1)")
    await queue.click()
    pending = panel.locator("#mod-list > li[data-qa]", has_text=rhubarb)
    await expect(pending.locator(".qa-flagged")).to_have_text("Word filter: rhubarb")
    await assert_no_axe_violations(page)  # the panel on the student page, with a question waiting
    await pending.get_by_role("button", name="Approve").click()
    await expect(queue).to_have_text("Queue (0)")
    # The tabs by keyboard: the arrow keys move between them (one tab stop for the three).
    await queue.focus()
    await page.keyboard.press("ArrowRight")
    approved = panel.get_by_role("tab", name="Approved (1)")
    await expect(approved).to_be_focused()
    await expect(approved).to_have_attribute("aria-selected", "true")
    await expect(panel.locator("#mod-list > li[data-qa]", has_text=rhubarb)).to_be_visible()
    await expect(page.locator("#qa-list > li[data-qa]", has_text=rhubarb)).to_be_visible()
    [question] = (await (await owner.get(f"/session/{keyword}/qa/questions")).json())["questions"]
    assert question["status"] == "approved"

    response = await owner.put(f"/session/{keyword}/qa/settings", json={"moderators": []})
    assert response.status == 200, await response.text()
    await expect(panel).to_be_hidden()
    await expect(panel.locator("#mod-list")).to_have_count(0)
    await expect(page.locator("#qa-list > li[data-qa]", has_text=rhubarb)).to_be_visible()
    assert page_errors == []
