"""Question management in real browsers: duplicate a question, copy it into another session,
rename and delete the session from its page."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.web.conftest import LAPTOP, start_session
from tests.web.pages import OPTIONS, create_question


async def other_session(lecturer: Page, name: str) -> str:
    """A second session of the same lecturer (made through the API, as the list page would)."""
    return await lecturer.evaluate(
        """async (name) => {
            const response = await fetch("/session/", {
                method: "POST",
                headers: {"Content-Type": "application/json"},
                body: JSON.stringify({name}),
            });
            return (await response.json()).keyword;
        }""",
        name,
    )


async def test_duplicate_copy_rename_and_delete(open_page, base_url, page_errors, screenshot):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    other = await other_session(lecturer, "Physics II: Waves")
    await create_question(lecturer, "sc", "Inertia", "What keeps a body moving?", OPTIONS)
    cards = lecturer.locator("[data-question]")

    # Duplicate: a second card with the same subject.
    await cards.first.get_by_role("button", name="Duplicate").click()
    await expect(lecturer.locator("[data-question]", has_text="Inertia")).to_have_count(2)
    await cards.first.scroll_into_view_if_needed()
    shot = await screenshot(lecturer, "manage-lecturer-card")

    # Copy to another session: the dialog offers the other session, a notice confirms.
    await cards.first.get_by_role("button", name="Copy to…").click()
    dialog = lecturer.get_by_role("dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("Session").select_option(other)
    await lecturer.screenshot(path=shot.with_name("manage-copy-dialog.png"))
    await dialog.get_by_role("button", name="Copy", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(lecturer.locator("#banner")).to_have_text(
        "“Inertia” was copied to “Physics II: Waves”."
    )
    copied = await lecturer.evaluate(
        "async (k) => (await fetch(`/session/${k}/lecturerquestion/`)).json()", other
    )
    assert [question["subject"] for question in copied] == ["Inertia"]

    # Rename: the title changes, and stays after a reload.
    lecturer.once("dialog", lambda d: d.accept("Physics I: Mechanics and Heat"))
    await lecturer.get_by_role("button", name="Rename session").click()
    await expect(lecturer.locator("#session-name")).to_have_text("Physics I: Mechanics and Heat")
    await lecturer.reload()
    await expect(lecturer.locator("#session-name")).to_have_text("Physics I: Mechanics and Heat")

    # Back to the list, then delete from the session page: the confirmation names it.
    await lecturer.get_by_role("link", name="← Your sessions").click()
    await expect(lecturer.locator("#session-list")).to_contain_text("Physics I: Mechanics and Heat")
    await lecturer.goto(f"{base_url}/lecturer/{keyword}")
    messages: list[str] = []

    async def accept(d):
        messages.append(d.message)
        await d.accept()

    lecturer.once("dialog", accept)
    await lecturer.get_by_role("button", name="Delete session").click()
    await lecturer.wait_for_url(f"{base_url}/lecturer/")
    assert "Physics I: Mechanics and Heat" in messages[0]
    await expect(lecturer.locator("#session-list")).to_contain_text("Physics II: Waves")
    await expect(lecturer.locator("#session-list")).not_to_contain_text("Mechanics")
    assert page_errors == []


async def test_moving_a_question_up_reorders_it_for_the_students(
    open_page, base_url, page_errors, screenshot
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    await create_question(lecturer, "sc", "Inertia", "What keeps a body moving?", OPTIONS)
    await create_question(lecturer, "sc", "Momentum", "What is conserved?", OPTIONS)
    student = await open_page(f"{base_url}/join/{keyword}")
    headings = student.locator("[data-question] h3")
    await expect(headings).to_have_text(["Inertia", "Momentum"])

    # With the keyboard: the button keeps the focus, so pressing again would move it on.
    move_up = lecturer.get_by_role("button", name="Move “Momentum” up")
    await move_up.focus()
    await lecturer.keyboard.press("Enter")
    await expect(lecturer.locator("[data-question] h3")).to_have_text(["Momentum", "Inertia"])
    await expect(lecturer.get_by_role("button", name="Move “Momentum” down")).to_be_focused()
    await expect(move_up).to_be_disabled()

    await expect(headings).to_have_text(["Momentum", "Inertia"])  # live
    await student.reload()
    await expect(headings).to_have_text(["Momentum", "Inertia"])
    await screenshot(lecturer, "manage-lecturer-card-moved")

    # (Dragging with the mouse: test_control_page.py.)
    assert page_errors == []


async def test_the_session_list_renames_and_deletes(open_page, base_url, page_errors):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    other = await other_session(lecturer, "Physics II: Waves")
    await lecturer.goto(f"{base_url}/lecturer/")
    row = lecturer.locator(f'[data-session="{other}"]')

    lecturer.once("dialog", lambda d: d.accept("Physics II: Optics"))
    await row.get_by_role("button", name="Rename session").click()
    await expect(row.get_by_role("link")).to_have_text("Physics II: Optics")

    lecturer.once("dialog", lambda d: d.accept())
    await row.get_by_role("button", name="Delete session").click()
    await expect(row).to_have_count(0)
    await expect(lecturer.locator(f'[data-session="{keyword}"]')).to_be_visible()
    assert page_errors == []


async def test_a_question_published_during_the_lecture_comes_on_top_marked_new(
    open_page, base_url, page_errors, screenshot
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    await create_question(lecturer, "sc", "Inertia", "What keeps a body moving?", OPTIONS)
    student = await open_page(f"{base_url}/join/{keyword}")
    cards = student.locator("[data-question]")
    await expect(cards.locator("h3")).to_have_text(["Inertia"])
    await expect(student.locator(".pill.arrived")).to_have_count(0)

    await create_question(lecturer, "sc", "Momentum", "What is conserved?", OPTIONS)
    await expect(cards.locator("h3")).to_have_text(["Momentum", "Inertia"])
    await expect(cards.first.locator(".pill.arrived")).to_have_text("New")
    await screenshot(student, "manage-student-new")

    # Answered: no longer new (it stays where it is until the page is reloaded).
    await cards.first.get_by_role("button", name=OPTIONS[0]).click()
    await expect(student.locator(".pill.arrived")).to_have_count(0)
    await expect(cards.locator("h3")).to_have_text(["Momentum", "Inertia"])
    assert page_errors == []
