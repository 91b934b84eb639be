"""Interposed questions (the seed's InterposedQuestion, created as an AudienceQuestion).

There is deliberately no author property: questions are anonymous to the owner.
"""

from __future__ import annotations

from typing import ClassVar

from marshmallow import fields, validate

from arsnova.schemas.common import BaseSchema, LegacyInputSchema, ListQuerySchema, Millis

SUBJECT = validate.Length(1, 200)
TEXT = validate.Length(1, 5000)


class AudienceQuestionSchema(BaseSchema):
    id = fields.String(data_key="_id")
    type = fields.Constant("interposed_question")
    subject = fields.String()
    text = fields.String()
    session_id = fields.String(data_key="sessionId", metadata={"deprecated": True})
    session_keyword = fields.String(data_key="sessionKeyword")
    timestamp = Millis()
    read = fields.Boolean()


class AudienceQuestionSummarySchema(AudienceQuestionSchema):
    """A list entry: without `text` (the seed's footnote; fetch one question for it)."""

    class Meta:
        exclude = ("text",)


class AudienceQuestionCreateSchema(LegacyInputSchema):
    read_only = (
        *LegacyInputSchema.read_only,
        "sessionId", "sessionKeyword", "timestamp", "read",
    )  # fmt: skip

    subject = fields.String(required=True, validate=SUBJECT)
    text = fields.String(required=True, validate=TEXT)


class AudienceQuestionListQuerySchema(ListQuerySchema):
    sortable: ClassVar[dict[str, str]] = {
        "timestamp": "timestamp",
        "subject": "subject",
        "read": "read",
    }
