"""Background tasks (exports) and global announcements."""

from __future__ import annotations

from marshmallow import fields, validate

from arsnova.schemas.common import BaseSchema, Millis


class TaskSchema(BaseSchema):
    id = fields.String(data_key="_id")
    kind = fields.String()
    keyword = fields.String()
    status = fields.String(metadata={"description": "queued, running, finished or failed"})
    progress = fields.Integer(metadata={"description": "percent"})
    created_at = Millis(data_key="createdAt")
    result = fields.Raw(allow_none=True, metadata={"description": "the export, once finished"})
    error = fields.String(allow_none=True)


class AnnouncementSchema(BaseSchema):
    message = fields.String(required=True, validate=validate.Length(1, 1000))
