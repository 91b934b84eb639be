"""A whole lecture in real browsers: one lecturer page and three student pages.

Everything the lecturer sees arrives live over Socket.IO: the test marks the
lecturer's page once and checks at the end that it was never reloaded.
"""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import LAPTOP, PHONE, start_session
from tests.web.pages import LAW, OPTIONS, WORD, create_question, option_count


async def test_a_whole_lecture_updates_every_page_live(
    open_page, base_url, page_errors, screenshot
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    join_link = lecturer.locator("#join-link")
    await expect(join_link).to_have_attribute("href", f"{base_url}/join/{keyword}")
    law = await create_question(
        lecturer, "sc", LAW, "What does a body do when no net force acts on it?", OPTIONS
    )
    word = await create_question(lecturer, "freetext", WORD, "Describe it in one word.")
    await lecturer.evaluate("window.neverReloaded = true")

    # Three students: two phones (one in German), one laptop.
    students = [
        await open_page(f"{base_url}/join/{keyword}"),
        await open_page(f"{base_url}/join/{keyword}", locale="de-DE"),
        await open_page(f"{base_url}/join/{keyword}", viewport=LAPTOP),
    ]
    anna, ben, chris = students
    for student in students:
        await expect(student.locator("#session-name")).to_have_text("Physics I: Mechanics")
        await expect(student.locator("[data-question]", has_text=LAW)).to_be_visible()
    await expect(ben.get_by_role("heading", name="Wie ist das Tempo?")).to_be_visible()
    await expect(lecturer.locator("#active-users")).to_have_text("Online in this session: 4")

    # Answers: the first option twice, the second once; the chart counts them without reload.
    for student, option in ((anna, 0), (ben, 0), (chris, 1)):
        card = student.locator("[data-question]", has_text=LAW)
        await card.get_by_role("button", name=OPTIONS[option]).click()
        await expect(card.locator(".my-answer")).to_contain_text(OPTIONS[option])
    for index, expected in enumerate([2, 1, 0, 0]):
        await expect(option_count(lecturer, law, index)).to_have_attribute(
            "data-count", str(expected)
        )
    law_card = lecturer.locator(f'[data-question="{law}"]')
    await expect(law_card.locator(".answered")).to_have_text("Answers: 3")
    await expect(option_count(lecturer, law, 0)).to_contain_text("2 (67 %)")

    # Free text becomes a word cloud; equal words (any case) count together.
    for student, text in ((anna, "Forces"), (ben, "forces "), (chris, "Inertia")):
        card = student.locator("[data-question]", has_text=WORD)
        await card.get_by_role("textbox").fill(text)
        await (
            card.get_by_role("button", name="Send answer")
            .or_(card.get_by_role("button", name="Antwort senden"))
            .click()
        )
        await expect(card.locator(".my-answer")).to_be_visible()
    cloud = lecturer.locator(f'[data-question="{word}"] .cloud li')
    await expect(cloud).to_have_count(2)
    await expect(cloud.first).to_have_attribute("data-count", "2")
    await expect(cloud.first).to_contain_text("Forces")

    # An audience question arrives live in the lecturer's Q&A panel and on other students' pages.
    await ben.get_by_label("Betreff (optional)").fill("Friction")
    await ben.get_by_label("Deine Frage").fill("Does friction count as a net force?")
    await ben.get_by_role("button", name="Frage senden").click()
    await expect(ben.locator("#ask-status")).to_have_text("Gesendet. Deine Frage ist anonym.")
    asked = lecturer.locator("#qa-list [data-qa]", has_text="Friction")
    await expect(asked).to_contain_text("Does friction count as a net force?")
    await expect(lecturer.get_by_role("tab", name="Approved (1)")).to_be_visible()
    # Screen readers hear of it (the lists themselves are not live regions).
    await expect(lecturer.locator("#announcer")).to_have_text("New question from the audience")
    await expect(anna.locator("#qa-list [data-qa]", has_text="Friction")).to_be_visible()

    # Feedback taps move the meter (the last tap of a student wins).
    await anna.get_by_role("button", name="Faster, please").click()
    await ben.get_by_role("button", name="Alles gut").click()
    await chris.get_by_role("button", name="Slower, please").click()
    await chris.get_by_role("button", name="I'm lost").click()
    await expect(chris.get_by_role("button", name="I'm lost")).to_have_attribute(
        "aria-pressed", "true"
    )
    meter = lecturer.locator("#meter")
    for level, expected in (("faster", 1), ("ok", 1), ("slower", 0), ("away", 1)):
        await expect(meter.locator(f'[data-feedback="{level}"]')).to_have_attribute(
            "data-count", str(expected)
        )
    # The largest group, ties named together: never a mean of the four levels.
    await expect(lecturer.locator("#feedback-average")).to_have_text(
        "Most: Faster, please / All good / I'm lost (1 of 3)"
    )

    # The lecturer shows the results: the students' pages draw the chart.
    await law_card.get_by_role("button", name="Show results to students").click()
    for student in students:
        await expect(option_count(student, law, 0)).to_have_attribute("data-count", "2")
    await screenshot(anna, "student")

    # Locking the session reaches every student at once.
    await lecturer.get_by_role("button", name="Lock session").click()
    await expect(lecturer.locator("#session-state")).to_have_text("Locked")
    for student in students:
        await expect(student.locator("#locked-notice")).to_be_visible()
        await expect(student.locator("#feedback-buttons button").first).to_be_disabled()
        await expect(student.locator("#ask-form button")).to_be_disabled()
    await expect(ben.locator("#locked-notice")).to_contain_text("gesperrt")
    await screenshot(lecturer, "lecturer")

    assert await lecturer.evaluate("window.neverReloaded") is True
    assert page_errors == []


async def test_every_question_type_can_be_answered_and_edited(open_page, base_url, page_errors):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    ids = {
        "abcd": await create_question(lecturer, "abcd", "ABCD", "Pick one", ["a", "b", "c"]),
        "mc": await create_question(lecturer, "mc", "Many", "Pick some", ["x", "y", "z"]),
        "yesno": await create_question(lecturer, "yesno", "YesNo", "Agree?"),
        "vote": await create_question(lecturer, "vote", "Rate", "How was it?"),
        "school": await create_question(lecturer, "school", "Grade", "Your grade?"),
    }
    student = await open_page(f"{base_url}/join/{keyword}", viewport=PHONE)

    async def card(subject: str):
        found = student.locator("[data-question]", has_text=subject)
        await expect(found).to_be_visible()
        return found

    await (await card("ABCD")).get_by_role("button", name="C c", exact=True).click()  # lettered
    many = await card("Many")
    await many.get_by_label("x").check()
    await many.get_by_label("z").check()
    await many.get_by_role("button", name="Send answer").click()
    await (await card("YesNo")).get_by_role("button", name="No", exact=True).click()
    await (await card("Rate")).get_by_role("button", name="4", exact=True).click()
    await (await card("Grade")).get_by_role("button", name="Abstain").click()
    await expect(many.locator(".my-answer")).to_have_text("Your answer: x, z")
    await expect((await card("YesNo")).locator(".my-answer")).to_have_text("Your answer: No")
    await expect((await card("Grade")).locator(".my-answer")).to_have_text("Your answer: abstained")

    expected = {"abcd": [0, 0, 1], "mc": [1, 0, 1], "yesno": [0, 1], "vote": [0, 0, 0, 1, 0]}
    for kind, counts in expected.items():
        for index, count in enumerate(counts):
            await expect(option_count(lecturer, ids[kind], index)).to_have_attribute(
                "data-count", str(count)
            )
    await expect(lecturer.locator(f'[data-question="{ids["school"]}"] .answered')).to_have_text(
        "Answers: 1"
    )

    # Edit: the new text reaches the student live; a type change after answers is refused.
    rate = lecturer.locator(f'[data-question="{ids["vote"]}"]')
    await rate.get_by_role("button", name="Edit").click()
    form = lecturer.locator("#question-form")
    await form.get_by_label("Question", exact=True).fill("How was the lecture today?")
    await form.get_by_role("button", name="Save changes").click()
    await expect(await card("Rate")).to_contain_text("How was the lecture today?")
    await rate.get_by_role("button", name="Edit").click()
    await form.get_by_label("Type").select_option("yesno")
    await form.get_by_role("button", name="Save changes").click()
    await expect(lecturer.locator("#banner")).to_contain_text("already has answers")

    # Unpublish and delete: the question leaves the student's page.
    abcd = lecturer.locator(f'[data-question="{ids["abcd"]}"]')
    await abcd.get_by_role("button", name="Unpublish").click()
    await expect(student.locator("[data-question]", has_text="ABCD")).to_have_count(0)
    lecturer.once("dialog", lambda dialog: dialog.accept())
    await (
        lecturer.locator(f'[data-question="{ids["mc"]}"]')
        .get_by_role("button", name="Delete")
        .click()
    )
    await expect(lecturer.locator(f'[data-question="{ids["mc"]}"]')).to_have_count(0)
    await expect(student.locator("[data-question]", has_text="Many")).to_have_count(0)
    assert page_errors == []


async def test_feedback_and_audience_controls_and_joining_from_the_landing_page(
    open_page, base_url, page_errors
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    student = await open_page(f"{base_url}/")
    await student.get_by_label("Session keyword (8 digits)").fill(f"{keyword[:4]} {keyword[4:]}")
    await student.get_by_label("Session keyword (8 digits)").press("Enter")
    await student.wait_for_url(f"**/join/{keyword}")
    await expect(student.locator("#session-name")).to_have_text("Physics I: Mechanics")

    slower = student.get_by_role("button", name="Slower, please")
    await slower.click()
    await expect(lecturer.locator('#meter [data-feedback="slower"]')).to_have_attribute(
        "data-count", "1"
    )
    await lecturer.get_by_role("button", name="Lock feedback").click()
    await expect(student.locator("#feedback-locked")).to_be_visible()
    await expect(slower).to_be_disabled()
    await lecturer.get_by_role("button", name="Unlock feedback").click()
    await expect(slower).to_be_enabled()
    lecturer.once("dialog", lambda dialog: dialog.accept())
    await lecturer.get_by_role("button", name="Reset feedback").click()
    await expect(lecturer.locator('#meter [data-feedback="slower"]')).to_have_attribute(
        "data-count", "0"
    )
    await expect(lecturer.locator("#feedback-average")).to_have_text("No feedback yet.")
    await expect(slower).to_have_attribute("aria-pressed", "false")

    for subject in ("Units", "Homework"):
        await student.get_by_label("Subject (optional)").fill(subject)
        await student.get_by_label("Your question").fill(f"A question about {subject}")
        await student.get_by_role("button", name="Send question").click()
        await expect(lecturer.locator("#qa-list [data-qa]", has_text=subject)).to_be_visible()
    await expect(lecturer.get_by_role("tab", name="Approved (2)")).to_be_visible()
    await (
        lecturer.locator("#qa-list [data-qa]", has_text="Units")
        .get_by_role("button", name="Delete")
        .click()
    )
    await expect(lecturer.locator("#qa-list [data-qa]")).to_have_count(1)
    await expect(student.locator("#qa-list [data-qa]")).to_have_count(1)
    lecturer.once("dialog", lambda dialog: dialog.accept())
    await lecturer.get_by_role("button", name="Delete all questions").click()
    await expect(lecturer.locator("#qa-list [data-qa]")).to_have_count(0)
    await expect(lecturer.locator("#qa-none")).to_be_visible()

    await lecturer.goto(f"{base_url}/lecturer/")
    link = lecturer.get_by_role("link", name="Physics I: Mechanics")
    await expect(link).to_have_attribute("href", f"/lecturer/{keyword}")
    assert page_errors == []
