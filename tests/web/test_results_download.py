"""The lecturer downloads the results from the session's page: a workbook and a CSV file."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook
from playwright.async_api import Page, expect

from tests.web.conftest import LAPTOP, start_session
from tests.web.pages import LAW, OPTIONS, create_question


async def download(lecturer: Page, link: str, into: Path) -> Path:
    """Clicks the format's link under "Download results:" and saves what it downloads under its
    suggested name."""
    downloads = lecturer.get_by_role("group", name="Download results:")
    async with lecturer.expect_download() as started:
        await downloads.get_by_role("link", name=link, exact=True).click()
    file = await started.value
    assert await file.failure() is None
    path = into / file.suggested_filename
    await file.save_as(path)
    return path


async def test_the_lecturer_downloads_the_results_as_excel_and_csv(
    open_page, base_url, page_errors, screenshot, tmp_path
):
    lecturer = await open_page(f"{base_url}/lecturer/", viewport=LAPTOP)
    keyword = await start_session(lecturer)
    law = await create_question(lecturer, "abcd", LAW, "What does a body do?", OPTIONS)
    student = await open_page(f"{base_url}/join/{keyword}")
    question = student.locator("[data-question]", has_text=LAW)
    await question.get_by_role("button", name=OPTIONS[1]).click()
    await expect(question.locator(".my-answer")).to_contain_text(OPTIONS[1])
    await expect(lecturer.locator(f'[data-question="{law}"] .answered')).to_have_text("Answers: 1")
    await screenshot(lecturer, "results-download")

    today = datetime.now(UTC).date().isoformat()
    workbook_path = await download(lecturer, "Excel", tmp_path)
    assert workbook_path.name == f"Physics I Mechanics {today}.xlsx"
    rows = list(load_workbook(workbook_path)["Questions"].iter_rows(values_only=True))
    assert [(row[5], row[6], row[8]) for row in rows[1:]] == [
        ("A", OPTIONS[0], 0), ("B", OPTIONS[1], 1), ("C", OPTIONS[2], 0), ("D", OPTIONS[3], 0)
    ]  # fmt: skip

    csv_path = await download(lecturer, "CSV", tmp_path)
    assert csv_path.name == f"Physics I Mechanics {today}.csv"
    with csv_path.open(encoding="utf-8-sig", newline="") as file:
        assert [row[8] for row in csv.reader(file)] == ["Count", "0", "1", "0", "0"]
    assert lecturer.url == f"{base_url}/lecturer/{keyword}"  # the page stayed
    assert page_errors == []
