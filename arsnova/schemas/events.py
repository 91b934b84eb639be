"""The messages of the reliable event stream `/events` (after the seed's web socket API).

Every message, in both directions, is an object with `type` and `id` (a
UUID), sent as a Socket.IO event named after its type.
"""

from __future__ import annotations

from marshmallow import fields, validate

from arsnova.schemas.common import BaseSchema, Millis, StrictBoolean
from arsnova.schemas.feedback import Keyword


class MessageSchema(BaseSchema):
    type = fields.String(required=True)
    id = fields.UUID(required=True)


class AcknowledgementMessageSchema(MessageSchema):
    """Acknowledges the message with the same `id`; `idle` reports the login (in)active."""

    idle = StrictBoolean()
    error_info = fields.Raw(data_key="errorInfo", metadata={"description": "ignored from clients"})


class HeartbeatMessageSchema(MessageSchema):
    pass


class SessionSubscriptionMessageSchema(MessageSchema):
    keyword = Keyword(required=True)


class ErrorInfoSchema(BaseSchema):
    code = fields.String()
    message = fields.String()
    errors = fields.Dict()


class ServerAcknowledgementSchema(BaseSchema):
    type = fields.Constant("AcknowledgementMessage")
    id = fields.String(allow_none=True)
    error_info = fields.Nested(ErrorInfoSchema, data_key="errorInfo")


class EventSchema(BaseSchema):
    type = fields.String()
    scope = fields.String(validate=validate.OneOf(["login", "session", "global"]))
    keyword = fields.String(metadata={"description": "the lecture session, for scope session"})
    sequence = fields.Integer(metadata={"description": "increases by one per event in its scope"})
    time = Millis()
    data = fields.Raw()


class ReplayGapSchema(BaseSchema):
    scope = fields.String()
    reason = fields.String(metadata={"description": "reconnect-unknown: nothing to resume"})
    keyword = fields.String()
    first = fields.Integer(metadata={"description": "first sequence that could not be replayed"})
    last = fields.Integer()


class EventsMessageSchema(BaseSchema):
    type = fields.Constant("EventsMessage")
    id = fields.String()
    events = fields.List(fields.Nested(EventSchema))
    replay_incomplete = fields.List(fields.Nested(ReplayGapSchema), data_key="replayIncomplete")


class HeartbeatSchema(BaseSchema):
    type = fields.Constant("HeartbeatMessage")
    id = fields.String()


class SocketTokenSchema(BaseSchema):
    token = fields.String()
    expires_in = fields.Integer(data_key="expiresIn")
