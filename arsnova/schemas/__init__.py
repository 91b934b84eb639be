"""marshmallow schemas: the wire format of every request and response body."""

from arsnova.schemas.common import BaseSchema, ErrorSchema, HealthSchema

__all__ = ["BaseSchema", "ErrorSchema", "HealthSchema"]
