"""Lecturer questions (the seed's LecturerQuestion and PossibleAnswer)."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from arsnova.schemas.common import (
    BaseSchema,
    LegacyInputSchema,
    ListQuerySchema,
    Millis,
    QuerySchema,
    StrictBoolean,
)

QUESTION_TYPES = ("abcd", "sc", "mc", "yesno", "freetext", "vote", "school")
CHOICE_TYPES = frozenset({"abcd", "sc", "mc"})
RELEASED_FOR = ("all", "courses")
MAX_POSSIBLE_ANSWERS = 26
# Types whose options are fixed when omitted: (default texts, the one allowed count).
DEFAULT_TEXTS: dict[str, tuple[str, ...]] = {
    "yesno": ("yes", "no"),
    "vote": tuple(str(grade) for grade in range(1, 6)),
    "school": tuple(str(grade) for grade in range(1, 7)),
}
MAX_DURATION = 24 * 60 * 60


class PossibleAnswerSchema(BaseSchema):
    id = fields.String()
    text = fields.String()
    correct = fields.Boolean()


class PossibleAnswerInputSchema(BaseSchema):
    id = fields.String(validate=validate.Length(1, 50))
    text = fields.String(required=True, validate=validate.Length(1, 500))
    correct = StrictBoolean(load_default=False)


class QuestionSchema(BaseSchema):
    id = fields.String(data_key="_id")
    type = fields.Constant("skill_question")
    question_type = fields.String(data_key="questionType")
    subject = fields.String()
    text = fields.String()
    active = fields.Boolean()
    released_for = fields.String(data_key="releasedFor")
    possible_answers = fields.List(fields.Nested(PossibleAnswerSchema), data_key="possibleAnswers")
    no_correct = fields.Boolean(data_key="noCorrect")
    session_keyword = fields.String(data_key="sessionKeyword")
    timestamp = Millis()
    number = fields.Integer()
    duration = fields.Integer()
    show_statistic = fields.Boolean(data_key="showStatistic")
    show_answer = fields.Boolean(data_key="showAnswer")


def settle_possible_answers(question_type: str, given: list[dict[str, Any]] | None) -> list[dict]:
    """The options a question of `question_type` gets: checked, defaults filled, ids assigned.

    Raises a `ValidationError` naming `possibleAnswers`. Used on create and,
    with the stored values merged in, on update (where the type may come from
    the stored question), so it works on loaded data, not on the wire format.
    """

    def refuse(message: str) -> ValidationError:
        return ValidationError({"possibleAnswers": [message]})

    if question_type == "freetext":
        if given:
            raise refuse("A freetext question takes no possible answers.")
        return []
    if given is None:
        if question_type in CHOICE_TYPES:
            raise refuse(f"A {question_type} question needs 2 to {choice_limit(question_type)}.")
        return [
            {"id": str(index), "text": text, "correct": False}
            for index, text in enumerate(DEFAULT_TEXTS[question_type])
        ]
    if question_type in CHOICE_TYPES:
        limit = choice_limit(question_type)
        if not 2 <= len(given) <= limit:
            raise refuse(f"A {question_type} question needs 2 to {limit} possible answers.")
    elif len(given) != len(DEFAULT_TEXTS[question_type]):
        count = len(DEFAULT_TEXTS[question_type])
        raise refuse(f"A {question_type} question has exactly {count} possible answers.")
    settled = [
        {"correct": False, **option, "id": option.get("id", str(index))}
        for index, option in enumerate(given)
    ]
    if len({option["id"] for option in settled}) != len(settled):
        raise refuse("The ids of the possible answers must be unique.")
    if len({option["text"] for option in settled}) != len(settled):
        raise refuse("The texts of the possible answers must be unique.")
    return settled


def choice_limit(question_type: str) -> int:
    return 4 if question_type == "abcd" else MAX_POSSIBLE_ANSWERS


def settle_changes(question: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The changes of a PUT, with possibleAnswers settled against the resulting type.

    A type change without new options keeps the stored ones for choice types
    and takes the type's defaults otherwise.
    """
    question_type = changes.get("question_type", question["question_type"])
    if "possible_answers" in changes:
        given = changes["possible_answers"]
    elif question_type == question["question_type"]:
        return changes
    else:
        given = question["possible_answers"] if question_type in CHOICE_TYPES else None
    return {**changes, "possible_answers": settle_possible_answers(question_type, given)}


class QuestionCreateSchema(LegacyInputSchema):
    """A new question, or with `partial=True` the changes of a PUT (no defaults then)."""

    read_only = (
        *LegacyInputSchema.read_only, "sessionKeyword", "sessionId", "timestamp",
    )  # fmt: skip

    question_type = fields.String(
        data_key="questionType", required=True, validate=validate.OneOf(QUESTION_TYPES)
    )
    subject = fields.String(required=True, validate=validate.Length(1, 200))
    text = fields.String(required=True, validate=validate.Length(1, 5000))
    active = StrictBoolean(load_default=False)
    released_for = fields.String(
        data_key="releasedFor", load_default="all", validate=validate.OneOf(RELEASED_FOR)
    )
    possible_answers = fields.List(
        fields.Nested(PossibleAnswerInputSchema),
        data_key="possibleAnswers",
        allow_none=True,
        validate=validate.Length(max=MAX_POSSIBLE_ANSWERS),
    )
    no_correct = StrictBoolean(data_key="noCorrect", load_default=False)
    number = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, 1_000_000))
    duration = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(0, MAX_DURATION)
    )
    show_statistic = StrictBoolean(data_key="showStatistic", load_default=False)
    show_answer = StrictBoolean(data_key="showAnswer", load_default=False)

    @staticmethod
    def settles_here(data: dict[str, Any], partial: Any) -> bool:
        """Whether the body alone decides the options; else `settle_changes` does, on PUT."""
        return "question_type" in data and ("possible_answers" in data or not partial)

    @validates_schema
    def check_possible_answers(self, data: dict[str, Any], **kwargs: Any) -> None:
        if self.settles_here(data, kwargs.get("partial")):
            settle_possible_answers(data["question_type"], data.get("possible_answers"))

    @post_load
    def fill_possible_answers(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if self.settles_here(data, kwargs.get("partial")):
            data["possible_answers"] = settle_possible_answers(
                data["question_type"], data.get("possible_answers")
            )
        return data


class QuestionListQuerySchema(ListQuerySchema):
    sortable: ClassVar[dict[str, str]] = {
        "timestamp": "timestamp",
        "subject": "subject",
        "number": "number",
        "questionType": "question_type",
        "active": "active",
    }

    unansweredonly = fields.Boolean(load_default=False)


class PublishQuerySchema(QuerySchema):
    publish = fields.Boolean(load_default=True)


class QuestionStatisticsSchema(BaseSchema):
    question_id = fields.String(data_key="questionId")
    answer_counts = fields.List(fields.Integer(), data_key="answerCounts")
    total = fields.Integer()
    abstentions = fields.Integer()


class BinnedQuestionSchema(QuestionSchema):
    """A deleted question in the session's bin."""

    deleted_at = Millis(data_key="deletedAt")
