"""Live feedback over REST and the Socket.IO events of the legacy namespace `/`."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate

from arsnova.schemas.common import BaseSchema, FullMatch, QuerySchema

FEEDBACK_VALUE = validate.Range(0, 3)
KEYWORD = re.compile(r"[0-9]{8}")
SOCKET_ID = FullMatch(r"[A-Za-z0-9_-]{1,64}", error="Not a socket id.")


class Keyword(fields.Field):
    """An 8-digit session keyword, sent as a string or (as in the seed) a number."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not KEYWORD.fullmatch(value):
            raise ValidationError("A keyword is 8 digits.")
        return value


class SetSessionSchema(BaseSchema):
    keyword = Keyword(required=True)


class SetFeedbackSchema(BaseSchema):
    sessionkey = Keyword(required=True)
    feedback = fields.Integer(required=True, strict=True, validate=FEEDBACK_VALUE)


class JoinedSchema(BaseSchema):
    """The acknowledgement of `setSession`: the state a client shows right after joining."""

    keyword = fields.String()
    active = fields.Boolean(metadata={"description": "false while the session is locked"})
    feedback_lock = fields.Boolean(data_key="feedbackLock")
    feedback_data = fields.List(fields.Integer(), data_key="feedbackData")
    rounded_average = fields.Integer(allow_none=True, data_key="feedbackDataRoundedAverage")
    active_users = fields.Integer(data_key="activeUserCountData")
    my_feedback = fields.Integer(allow_none=True, data_key="myFeedback")
    unanswered = fields.List(fields.String(), data_key="unansweredLecturerQuestions")


class FeedbackSchema(BaseSchema):
    """ARSnova's Feedback: `values` are the counts `[faster, ok, slower, away]`."""

    values = fields.List(fields.Integer())
    count = fields.Integer(metadata={"description": "users with a current vote"})
    rounded_average = fields.Integer(allow_none=True, data_key="roundedAverage")
    feedback_lock = fields.Boolean(data_key="feedbackLock")


class FeedbackVoteSchema(BaseSchema):
    """A vote: `{"value": 0..3}`, or the bare number ARSnova clients post."""

    value = fields.Integer(required=True, strict=True, validate=FEEDBACK_VALUE)

    @pre_load
    def wrap_bare_number(self, data: Any, **kwargs: Any) -> Any:
        return {"value": data} if isinstance(data, int) and not isinstance(data, bool) else data


class MyFeedbackSchema(BaseSchema):
    value = fields.Integer(allow_none=True, metadata={"description": "null without a vote"})


class FeedbackLockQuerySchema(QuerySchema):
    lock = fields.Boolean(load_default=True)


class SocketAssignSchema(BaseSchema):
    session = fields.String(
        required=True, validate=SOCKET_ID, metadata={"description": "socket id"}
    )
