"""Answers to lecturer questions (the seed's Answer)."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import ValidationError, fields, validate, validates_schema

from arsnova.schemas.common import (
    BaseSchema,
    LegacyInputSchema,
    ListQuerySchema,
    Millis,
    StrictBoolean,
)

MAX_FREETEXT = 2000
MAX_SUBJECT = 200


class AnswerSchema(BaseSchema):
    """An answer as its author sees it."""

    id = fields.String(data_key="_id")
    type = fields.Constant("skill_question_answer")
    question_id = fields.String(data_key="questionId")
    answer_text = fields.String(data_key="answerText")
    answer_subject = fields.String(data_key="answerSubject")
    abstention = fields.Boolean()
    user = fields.String()
    timestamp = Millis()
    answer_count = fields.Constant(1, data_key="answerCount")


class AnonymousAnswerSchema(AnswerSchema):
    """An answer as the session's owner sees it: without its author."""

    class Meta(AnswerSchema.Meta):
        exclude = ("user",)


class AnswerCreateSchema(LegacyInputSchema):
    """The body of POST and PUT; answerText is checked against the question by `settle_answer`."""

    read_only = (
        *LegacyInputSchema.read_only,
        "questionId", "sessionId", "user", "timestamp", "answerCount",
    )  # fmt: skip

    answer_text = fields.String(
        data_key="answerText", allow_none=True, validate=validate.Length(max=MAX_FREETEXT)
    )
    answer_subject = fields.String(
        data_key="answerSubject", allow_none=True, validate=validate.Length(max=MAX_SUBJECT)
    )
    abstention = StrictBoolean(load_default=False)

    @validates_schema
    def check_text_or_abstention(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["abstention"] and data.get("answer_text"):
            raise ValidationError({"answerText": ["An abstention has no answer text."]})
        if not data["abstention"] and data.get("answer_text") is None:
            raise ValidationError({"answerText": ["Missing data for required field."]})


class AnswerListQuerySchema(ListQuerySchema):
    sortable: ClassVar[dict[str, str]] = {
        "timestamp": "timestamp",
        "answerText": "answer_text",
        "answerSubject": "answer_subject",
    }

    createdonly = fields.Boolean(load_default=False)


def settle_answer(question: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a loaded answer to `question`: normalized text and chosen indices.

    Single-choice types take an option's exact text or, when no option text is
    a decimal number (so the two can't be confused, as on the vote and school
    scales), its index; `mc` takes ARSnova's comma-separated 0/1 flags, one per
    option, at least one 1; freetext takes 1..2000 characters. `choices` holds
    the selected option indices for the statistics. Raises a `ValidationError`
    naming `answerText`.
    """
    settled: dict[str, Any] = {"abstention": answer["abstention"], "choices": []}
    if answer.get("answer_subject") is not None:
        settled["answer_subject"] = answer["answer_subject"]
    if answer["abstention"]:
        return settled
    text: str = answer["answer_text"]
    options = [option["text"] for option in question["possible_answers"]]
    if question["question_type"] == "freetext":
        if not text.strip():
            raise ValidationError({"answerText": ["A free-text answer may not be blank."]})
        return {**settled, "answer_text": text}
    if question["question_type"] == "mc":
        flags = text.split(",")
        if len(flags) != len(options) or any(flag not in ("0", "1") for flag in flags):
            raise ValidationError(
                {"answerText": [f"Send {len(options)} comma-separated flags 0 or 1, as 1,0,1."]}
            )
        choices = [index for index, flag in enumerate(flags) if flag == "1"]
        if not choices:
            raise ValidationError({"answerText": ["Select at least one option (or abstain)."]})
        return {**settled, "answer_text": text, "choices": choices}
    if text in options:
        index = options.index(text)
    elif text.isdecimal() and text.isascii() and not any(o.isdecimal() for o in options):
        index = int(text)
        if index >= len(options):
            raise ValidationError({"answerText": [f"There are only {len(options)} options."]})
    else:
        raise ValidationError({"answerText": ["Send the text or the index of one option."]})
    return {**settled, "answer_text": options[index], "choices": [index]}
