"""Answers to lecturer questions (the seed's Answer)."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import ValidationError, fields, validate, validates_schema

from arsnova.schemas.common import (
    BaseSchema,
    LegacyInputSchema,
    ListQuerySchema,
    Millis,
    QuerySchema,
    StrictBoolean,
)

MAX_FREETEXT = 2000
MAX_SUBJECT = 200
MAX_ROUND = 1_000_000  # far more rounds than a question gets; keeps the number within 64 bits


class AnswerSchema(BaseSchema):
    """An answer as its author sees it."""

    id = fields.String(data_key="_id")
    type = fields.Constant("skill_question_answer")
    question_id = fields.String(data_key="questionId")
    answer_text = fields.String(data_key="answerText")
    answer_subject = fields.String(data_key="answerSubject")
    abstention = fields.Boolean()
    # The ids of the options chosen (stay right when options are reordered or edited).
    choices = fields.List(fields.String())
    # A free-text answer the owner hid: participants never see it among the revealed ones.
    hidden = fields.Boolean(dump_default=False)
    user = fields.String()
    timestamp = Millis()
    pi_round = fields.Integer(data_key="piRound")
    answer_count = fields.Constant(1, data_key="answerCount")


class AnonymousAnswerSchema(AnswerSchema):
    """An answer as the session's owner sees it: without its author."""

    class Meta(AnswerSchema.Meta):
        exclude = ("user",)


class RevealedAnswerSchema(BaseSchema):
    """A free-text answer as participants see it once results are revealed."""

    answer_text = fields.String(data_key="answerText")
    answer_subject = fields.String(data_key="answerSubject")
    timestamp = Millis()


class HideQuerySchema(QuerySchema):
    hide = fields.Boolean(load_default=True)


class AnswerCreateSchema(LegacyInputSchema):
    """The body of POST and PUT; answerText is checked against the question by
    `services.answers.settle_answer`."""

    read_only = (
        *LegacyInputSchema.read_only,
        "questionId", "sessionId", "user", "timestamp", "answerCount", "piRound", "choices",
        "hidden",
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
    piround = fields.Integer(
        validate=validate.Range(1, MAX_ROUND),
        metadata={"description": "one round's answers (default: all; createdonly: the current)"},
    )
