"""A session's results for its owner, gathered once for every form they leave in: the export
task's JSON document, and the downloads (an Excel workbook, the questions as CSV).

Every question allows abstaining, so a share is of every answer of the round,
abstentions included, as the charts on the pages show it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from string import ascii_uppercase
from typing import Any

from arsnova.schemas.interposed import AudienceQuestionSchema
from arsnova.schemas.qa import QaQuestionSchema
from arsnova.schemas.question import QuestionSchema, QuestionStatisticsSchema
from arsnova.schemas.session import SessionSchema
from arsnova.services.questions import has_correct
from arsnova.spreadsheets import Sheet, Value
from arsnova.store import Store
from arsnova.store.answers import Answer, AnswerStatistics
from arsnova.store.common import Page, now
from arsnova.store.interposed import QA_DEFAULTS, AudienceQuestion
from arsnova.store.questions import Question
from arsnova.store.sessions import Session

Progress = Callable[[int], Awaitable[None]]
FEEDBACK_VALUES = ("Faster, please", "All good", "Slower, please", "I'm lost")
# The workbook's own words in German (the pages' wording): titles, headers, feedback, status.
GERMAN = {
    "Questions": "Fragen", "Type": "Typ", "Subject": "Betreff", "Question": "Frage",
    "Round": "Runde", "Letter": "Buchstabe", "Option": "Antwortoption", "Correct": "Richtig",
    "Count": "Anzahl", "Percent": "Prozent", "Abstentions": "Enthaltungen",
    "Answers": "Antworten", "Free-text answers": "Freitext-Antworten", "Answer": "Antwort",
    "Hidden": "Ausgeblendet", "Time (UTC)": "Zeit (UTC)",
    "Audience questions": "Fragen aus dem Publikum", "Read": "Gelesen",
    "Up-votes": "Dafür", "Down-votes": "Dagegen", "Answered": "Beantwortet",
    "Reply": "Antwort der Lehrperson", "Pinned": "Angeheftet", "Users": "Personen",
    "approved": "freigegeben", "pending": "wartet", "hidden": "ausgeblendet",
    "Faster, please": "Schneller, bitte", "All good": "Alles gut",
    "Slower, please": "Langsamer, bitte", "I'm lost": "Abgehängt",
}  # fmt: skip
Words = Callable[[str], str]
# What a file name must not hold on any common system, and runs of white space.
UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
SPACES = re.compile(r"\s+")

session_schema = SessionSchema()
questions_schema = QuestionSchema(many=True)
statistics_schema = QuestionStatisticsSchema(many=True)
audience_schema = AudienceQuestionSchema(many=True)
qa_schema = QaQuestionSchema(many=True, exclude=("my_vote", "mine"))


@dataclass(frozen=True)
class SessionResults:
    session: Session
    questions: list[Question]  # in the lecturer's order
    statistics: list[AnswerStatistics]  # one per question, in the same order
    written: list[Answer]  # the answers to free-text questions, abstentions left out
    audience: list[AudienceQuestion]
    feedback: list[int]  # [faster, ok, slower, away]


async def _no_progress(_percent: int) -> None:
    return None


async def gather_results(
    store: Store, session: Session, progress: Progress = _no_progress
) -> SessionResults:
    """Everything the owner sees of the session; `progress` hears how far it got (percent)."""
    everything = Page(limit=None)
    questions = await store.questions.of_session(session["id"], everything)
    await progress(30)
    statistics = await store.answers.statistics(questions)
    free_text = [q["id"] for q in questions if q["question_type"] == "freetext"]
    written = await store.answers.written(free_text) if free_text else []
    await progress(60)
    audience = await store.interposed.of_session(session["id"], everything)
    await progress(80)
    feedback = await store.feedback.counts(session["keyword"])
    await progress(90)
    return SessionResults(session, questions, statistics, written, audience, feedback)


def results_document(results: SessionResults) -> dict[str, Any]:
    """The export task's result: the session and its parts as the REST API shows them."""
    return {
        "session": session_schema.dump(results.session),
        "questions": questions_schema.dump(results.questions),
        "statistics": statistics_schema.dump(results.statistics),
        "interposedQuestions": audience_schema.dump(results.audience),
        "qaQuestions": qa_schema.dump(with_qa(results.audience)),
        "feedback": results.feedback,
    }


def results_sheets(results: SessionResults, language: str) -> list[Sheet]:
    """The workbook's sheets in `language` (English or German; what people wrote stays);
    the first, the questions, is also the CSV download."""
    table = GERMAN if language == "de" else {}

    def word(text: str) -> str:
        return table.get(text, text)

    return [question_sheet(results, word), written_sheet(results, word),
            audience_sheet(results, word), feedback_sheet(results, word)]  # fmt: skip


def question_sheet(results: SessionResults, word: Words) -> Sheet:
    """A row per option and round (one per round for free text): its count and share."""
    rows: list[list[Value]] = []
    for position, (question, statistics) in enumerate(
        zip(results.questions, results.statistics, strict=True), start=1
    ):
        options = question["possible_answers"]
        marks_correct = not question["no_correct"] and has_correct(options)
        for counted in statistics["rounds"]:
            answers, abstentions = counted["total"], counted["abstentions"]
            start: list[Value] = [position, question["question_type"], question["subject"],
                                  question["text"], counted["pi_round"]]  # fmt: skip
            end: list[Value] = [abstentions, answers]
            if not options:  # free text: how many wrote something
                written = answers - abstentions
                rows.append([*start, None, None, None, written, share(written, answers), *end])
            for index, (option, count) in enumerate(
                zip(options, counted["answer_counts"], strict=True)
            ):
                correct = option["correct"] if marks_correct else None
                rows.append([*start, ascii_uppercase[index], option["text"], correct, count,
                             share(count, answers), *end])  # fmt: skip
    header = ["Position", "Type", "Subject", "Question", "Round", "Letter", "Option", "Correct",
              "Count", "Percent", "Abstentions", "Answers"]  # fmt: skip
    return Sheet(word("Questions"), [word(name) for name in header], rows)


def share(count: int, total: int) -> float | None:
    """`count` in percent of `total`, to one decimal; none of no answers."""
    return round(100 * count / total, 1) if total else None


def written_sheet(results: SessionResults, word: Words) -> Sheet:
    by_id = {question["id"]: (position, question)
             for position, question in enumerate(results.questions, start=1)}  # fmt: skip
    rows: list[list[Value]] = []
    # By question, then round; by time within (sorted is stable).
    for answer in sorted(
        results.written, key=lambda answer: (by_id[answer["question_id"]][0], answer["pi_round"])
    ):
        position, question = by_id[answer["question_id"]]
        rows.append([position, question["subject"], answer["pi_round"],
                     answer.get("answer_subject"), answer.get("answer_text"),
                     answer.get("hidden", False), utc(answer["timestamp"])])  # fmt: skip
    header = ["Position", "Question", "Round", "Subject", "Answer", "Hidden", "Time (UTC)"]
    return Sheet(word("Free-text answers"), [word(name) for name in header], rows)


def with_qa(audience: list[AudienceQuestion]) -> list[dict[str, Any]]:
    """The questions with their Q&A state (a question stored before Q&A has its defaults)."""
    return [{**QA_DEFAULTS, **asked} for asked in audience]


def audience_sheet(results: SessionResults, word: Words) -> Sheet:
    rows: list[list[Value]] = [
        [utc(asked["timestamp"]), asked["subject"], asked["text"], asked["read"],
         word(asked["status"]), asked["upvotes"], asked["downvotes"], asked["answered"],
         asked["reply"], asked["pinned"]]
        for asked in with_qa(results.audience)
    ]  # fmt: skip
    header = ["Time (UTC)", "Subject", "Text", "Read", "Status", "Up-votes", "Down-votes",
              "Answered", "Reply", "Pinned"]  # fmt: skip
    return Sheet(word("Audience questions"), [word(name) for name in header], rows)


def feedback_sheet(results: SessionResults, word: Words) -> Sheet:
    rows: list[list[Value]] = [
        [word(label), count] for label, count in zip(FEEDBACK_VALUES, results.feedback, strict=True)
    ]
    return Sheet(word("Feedback"), [word("Feedback"), word("Users")], rows)


def utc(moment: datetime) -> datetime:
    """A stored time as Excel takes it: in UTC without a time zone (the header says UTC)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def file_name(session: Session, extension: str) -> str:
    """The session's name, safe in a file name, and today's date: `Physics I 2026-11-30.xlsx`."""
    name = SPACES.sub(" ", UNSAFE_IN_FILE_NAMES.sub(" ", session["name"])).strip(" .")
    return f"{name or session['keyword']} {now().date().isoformat()}.{extension}"
