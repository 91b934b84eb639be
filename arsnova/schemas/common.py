"""Schemas shared by every resource."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields


class BaseSchema(Schema):
    """Inputs reject unknown fields (400 naming the field)."""

    class Meta:
        unknown = RAISE


class ErrorSchema(BaseSchema):
    code = fields.String(required=True, metadata={"description": "stable machine-readable code"})
    message = fields.String(required=True, metadata={"description": "human-readable message"})
    errors = fields.Dict(metadata={"description": "field name -> problems, for invalid input"})
    request_id = fields.String(data_key="requestId")


class HealthSchema(BaseSchema):
    status = fields.String(required=True)
