"""The public `GET /statistics` answer."""

from __future__ import annotations

from marshmallow import fields

from arsnova.schemas.common import BaseSchema


class StatisticsSchema(BaseSchema):
    answers = fields.Integer(required=True)
    questions = fields.Integer(required=True)
    open_sessions = fields.Integer(required=True, data_key="openSessions")
    closed_sessions = fields.Integer(required=True, data_key="closedSessions")
    active_users = fields.Integer(required=True, data_key="activeUsers")
