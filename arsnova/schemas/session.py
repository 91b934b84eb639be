"""Lecture sessions (the seed's Session)."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import fields, validate

from arsnova.schemas.common import (
    BaseSchema,
    LegacyInputSchema,
    ListQuerySchema,
    Millis,
    QuerySchema,
    StrictBoolean,
)

NAME = validate.Length(1, 50)
SHORT_NAME = validate.Length(1, 12)


class SessionSchema(BaseSchema):
    """A session as its owner (and admins) see it."""

    id = fields.String(data_key="_id")
    type = fields.Constant("session")
    name = fields.String()
    short_name = fields.String(data_key="shortName")
    keyword = fields.String()
    creator = fields.String(metadata={"description": "the owner's name: only for the owner"})
    active = fields.Boolean()
    last_owner_activity = Millis(data_key="lastOwnerActivity")
    course_type = fields.String(data_key="courseType")
    course_id = fields.String(data_key="courseId")
    course_session = fields.Boolean(data_key="courseSession")
    feedback_lock = fields.Boolean(data_key="feedbackLock")
    capacity = fields.Integer(allow_none=True)
    place_duration = fields.Integer(data_key="placeDuration", allow_none=True)
    presented_question_id = fields.String(
        data_key="presentedQuestionId", allow_none=True,
        metadata={"description": "the question on the presenter page: only for the owner"},
    )  # fmt: skip


class ParticipantSessionSchema(SessionSchema):
    """A session as everyone else sees it: without the owner's name (ARSnova hid it too)
    and without what the owner projects."""

    class Meta:
        exclude = ("creator", "presented_question_id")


class SessionCreateSchema(LegacyInputSchema):
    read_only = (
        *LegacyInputSchema.read_only,
        "keyword", "creator", "lastOwnerActivity",
        "courseType", "courseId", "courseSession", "feedbackLock", "capacity",
        "placeDuration", "presentedQuestionId",
    )  # fmt: skip

    name = fields.String(required=True, validate=NAME)
    short_name = fields.String(data_key="shortName", validate=SHORT_NAME)
    active = StrictBoolean()


class IntegrationSessionCreateSchema(SessionCreateSchema):
    """A session created by a learning platform (access token): course and capacity too."""

    read_only = (*LegacyInputSchema.read_only, "keyword", "creator", "lastOwnerActivity",
                 "courseSession", "feedbackLock", "presentedQuestionId")  # fmt: skip

    course_type = fields.String(data_key="courseType", validate=validate.Length(1, 64))
    course_id = fields.String(data_key="courseId", validate=validate.Length(1, 200))
    capacity = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(1, 100_000),
        metadata={"description": "most participants with a place; null: no limit"},
    )  # fmt: skip
    place_duration = fields.Integer(
        data_key="placeDuration", strict=True, allow_none=True,
        validate=validate.Range(60, 30 * 86400),
        metadata={"description": "seconds a place lasts from activation; null: until the "
                  "session is locked (plus ARSNOVA_PLACE_GRACE)"},
    )  # fmt: skip


class SessionListQuerySchema(ListQuerySchema):
    sortable: ClassVar[dict[str, str]] = {
        "name": "name",
        "shortName": "short_name",
        "keyword": "keyword",
        "creator": "creator",
        "active": "active",
        "lastOwnerActivity": "last_owner_activity",
    }

    visitedonly = fields.Boolean(load_default=False)
    ownedonly = fields.Boolean(load_default=False)


class LockQuerySchema(QuerySchema):
    lock = fields.Boolean(load_default=True)


class PresentedSchema(BaseSchema):
    """`PUT /session/{keyword}/presented`: the question the presenter page shows."""

    question_id = fields.String(
        data_key="questionId", required=True, allow_none=True, validate=validate.Length(1, 64),
        metadata={"description": "a question of this session; null: none"},
    )  # fmt: skip


class LoggedInSchema(BaseSchema):
    """The deprecated `POST /session/{keyword}/online` answer."""

    type = fields.Constant("logged_in")
    user = fields.String()
    session_id = fields.String(data_key="sessionId")
    timestamp = Millis()
    visited_sessions = fields.List(
        fields.Nested(ParticipantSessionSchema), data_key="visitedSessions"
    )


# The languages of the results downloads' own words, as the pages' catalogues (static/i18n).
RESULTS_LANGUAGES = ("en", "de")


class ResultsQuerySchema(QuerySchema):
    lang = fields.String(
        load_default=None,
        validate=validate.OneOf(RESULTS_LANGUAGES),
        metadata={"description": "the sheets' titles and headers; default: Accept-Language"},
    )
