"""Audience Q&A (issue 21): settings, questions, votes on the wire (`/session/{keyword}/qa/…`).

No schema has an author: a question shows only whether the caller asked it (`mine`).
"""

from __future__ import annotations

from marshmallow import fields, validate

from arsnova.schemas.common import (
    BaseSchema,
    LegacyInputSchema,
    Millis,
    QuerySchema,
    StrictBoolean,
)

STATUSES = ("approved", "pending", "hidden")
MODERATION = ("none", "pre", "post")
WORD = fields.String(validate=validate.Length(1, 100))
USERNAME = fields.String(validate=validate.Length(1, 200))


class WordFilterSchema(BaseSchema):
    enabled = StrictBoolean()
    languages = fields.List(
        fields.String(validate=validate.OneOf(["de", "en"])), validate=validate.Length(0, 2)
    )
    extra_words = fields.List(WORD, data_key="extraWords", validate=validate.Length(0, 500))
    allowed_words = fields.List(WORD, data_key="allowedWords", validate=validate.Length(0, 500))


class QaSettingsSchema(LegacyInputSchema):
    """The session's Q&A settings; on PUT, properties left out keep their value (and
    `highlightedId`, which GET adds, is ignored: a client may send back what it got)."""

    read_only = ("highlightedId",)

    moderation = fields.String(
        validate=validate.OneOf(MODERATION),
        metadata={"description": "pre: new questions wait for approval; post: hide afterwards"},
    )
    downvotes = StrictBoolean()
    open = StrictBoolean(metadata={"description": "false: no new questions, the list stays"})
    word_filter = fields.Nested(WordFilterSchema, data_key="wordFilter")
    moderators = fields.List(USERNAME, validate=validate.Length(0, 50))
    highlighted_id = fields.String(
        data_key="highlightedId",
        allow_none=True,
        dump_only=True,
        metadata={"description": "the question the presenter view shows, or null"},
    )


class QaPublicSettingsSchema(QaSettingsSchema):
    """The settings as participants see them: without the word filter and the moderators."""

    class Meta:
        exclude = ("word_filter", "moderators")


class QaQuestionSchema(BaseSchema):
    """A question as staff (the owner, admins, co-moderators) see it."""

    id = fields.String(data_key="_id")
    subject = fields.String()
    text = fields.String()
    timestamp = Millis()
    status = fields.String(validate=validate.OneOf(STATUSES))
    answered = fields.Boolean()
    highlighted = fields.Boolean()
    pinned = fields.Boolean()
    reply = fields.String(allow_none=True)
    upvotes = fields.Integer()
    downvotes = fields.Integer()
    score = fields.Integer(metadata={"description": "upvotes - downvotes"})
    my_vote = fields.Integer(data_key="myVote", metadata={"description": "1, -1 or 0"})
    mine = fields.Boolean(metadata={"description": "the caller asked it"})
    flagged = fields.List(fields.String(), metadata={"description": "word filter hits (staff)"})


class QaStudentQuestionSchema(QaQuestionSchema):
    class Meta:
        exclude = ("flagged",)


class QaQuestionListSchema(BaseSchema):
    questions = fields.List(fields.Nested(QaQuestionSchema))
    total = fields.Integer()


class QaStudentQuestionListSchema(BaseSchema):
    questions = fields.List(fields.Nested(QaStudentQuestionSchema))
    total = fields.Integer()


class QaQuestionCreateSchema(BaseSchema):
    text = fields.String(required=True, validate=validate.Length(1, 5000))
    subject = fields.String(load_default="", validate=validate.Length(0, 200))


class QaQuestionPatchSchema(BaseSchema):
    """The author's (text, subject, until answered) or staff's (the rest) change."""

    text = fields.String(validate=validate.Length(1, 5000))
    subject = fields.String(validate=validate.Length(0, 200))
    status = fields.String(validate=validate.OneOf(["approved", "hidden"]))
    answered = StrictBoolean()
    highlighted = StrictBoolean()
    pinned = StrictBoolean()
    reply = fields.String(allow_none=True, validate=validate.Length(0, 5000))


class QaVoteSchema(BaseSchema):
    value = fields.Integer(required=True, strict=True, validate=validate.OneOf([1, -1]))


class QaListQuerySchema(QuerySchema):
    sort = fields.String(load_default="votes", validate=validate.OneOf(["votes", "newest",
                                                                        "unanswered"]))  # fmt: skip
    status = fields.String(load_default="approved", validate=validate.OneOf(STATUSES))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 100))
