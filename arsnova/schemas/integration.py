"""The integration API for learning platforms (after the seed's training-portal API)."""

from __future__ import annotations

from marshmallow import fields, validate

from arsnova.schemas.common import BaseSchema, FullMatch, Millis, QuerySchema

NAME_PART = validate.Length(1, 100)
USER_ID = FullMatch(r"[A-Za-z0-9_-]{1,64}", error="Not a user id.")
STATES = ("RUNNING", "STOPPING", "STOPPED")


class PlaceRequestQuerySchema(QuerySchema):
    index_url = fields.String(validate=validate.Length(1, 2000))
    user = fields.String(validate=USER_ID)
    email = fields.Email(validate=validate.Length(1, 254))
    first_name = fields.String(validate=NAME_PART)
    last_name = fields.String(validate=NAME_PART)


class PlaceSchema(BaseSchema):
    """A place: `url` is the activation link to open in the user's browser."""

    name = fields.String()
    user = fields.String()
    url = fields.String()
    keyword = fields.String()
    session_name = fields.String(data_key="sessionName")


class ActivationQuerySchema(QuerySchema):
    token = fields.String(required=True, validate=validate.Length(1, 200))
    index_url = fields.String(validate=validate.Length(1, 2000))


class IntegrationUserSchema(BaseSchema):
    user = fields.String()
    email = fields.String()
    first_name = fields.String(data_key="firstName")
    last_name = fields.String(data_key="lastName")
    created_by = fields.String(data_key="createdBy")
    created_at = Millis(data_key="createdAt")


class JoinQuerySchema(QuerySchema):
    index_url = fields.String(validate=validate.Length(1, 2000))


class UserPlaceSchema(BaseSchema):
    name = fields.String()
    keyword = fields.String()
    session_name = fields.String(data_key="sessionName")
    started = Millis()
    expires = Millis(allow_none=True)
    countdown = fields.Integer(allow_none=True, metadata={"description": "seconds left"})
    extendable = fields.Boolean()


class CatalogQuerySchema(QuerySchema):
    state = fields.List(fields.String(validate=validate.OneOf(STATES)))
    sessions = fields.Boolean(load_default=False)


class CatalogPlaceSchema(BaseSchema):
    name = fields.String()
    user = fields.String()
    started = Millis()
    expires = Millis(allow_none=True)
    countdown = fields.Integer(allow_none=True)


class CatalogSessionSchema(BaseSchema):
    keyword = fields.String()
    name = fields.String()
    state = fields.String(validate=validate.OneOf(STATES))
    capacity = fields.Integer(allow_none=True)
    allocated = fields.Integer()
    available = fields.Integer(allow_none=True)
    sessions = fields.List(fields.Nested(CatalogPlaceSchema))
