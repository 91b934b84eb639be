"""Schemas shared by every resource."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar, overload

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate


class FullMatch(validate.Regexp):
    """The whole value must match (so no trailing newline slips through, as with `$`).

    The pattern is kept as `^(?:…)$`, which the OpenAPI document shows and
    which means the same in JSON Schema (ECMA-262) as here.
    """

    regex: re.Pattern[str]  # compiled from the str pattern that __init__ passes

    def __init__(self, pattern: str, *, error: str) -> None:
        super().__init__(f"^(?:{pattern})$", error=error)

    @overload
    def __call__(self, value: str) -> str: ...
    @overload
    def __call__(self, value: bytes) -> bytes: ...
    def __call__(self, value: str | bytes) -> str | bytes:
        # Only String fields use it, so `value` is text; bytes would not match a text pattern.
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class StrictBoolean(fields.Boolean):
    """A JSON boolean only (marshmallow's Boolean also takes 0, 1, "yes"…: fine in queries)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


UNSTORABLE = "Not storable: text with an unpaired surrogate, or an integer beyond 64 bits."
INT64 = range(-(2**63), 2**63)


def storable(value: Any) -> bool:
    """Whether the database can encode `value` and everything in it (keys included).

    Iterative, so a deeply nested payload cannot exhaust the stack.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode()
                except UnicodeEncodeError:
                    return False
        elif isinstance(item, int) and not isinstance(item, bool):
            if item not in INT64:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return True


class BaseSchema(Schema):
    """Inputs reject unknown fields (400 naming the field) and anything the database can't store.

    The check runs on the raw input before any field, so it covers every text
    field of every body, query and socket payload in this one place.
    """

    class Meta:
        unknown = RAISE

    @pre_load
    def refuse_unstorable(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            bad = [str(key) for key, value in data.items() if not storable([key, value])]
            if bad:
                raise ValidationError({key: [UNSTORABLE] for key in bad})
        elif not storable(data):
            raise ValidationError([UNSTORABLE])
        return data


class LegacyInputSchema(BaseSchema):
    """An input that tolerates the read-only properties legacy clients send back.

    ARSnova clients PUT whole objects, including `_id`, `_rev`, `type` and other
    read-only properties; those are dropped, anything else unknown is refused.
    """

    read_only: ClassVar[tuple[str, ...]] = ("_id", "_rev", "type")

    @pre_load
    def drop_read_only(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if key not in self.read_only}
        return data


class Millis(fields.Field):
    """A datetime on the wire as a Unix timestamp in milliseconds (the seed's format)."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any):
        return None if value is None else int(value.timestamp() * 1000)


class ErrorSchema(BaseSchema):
    code = fields.String(required=True, metadata={"description": "stable machine-readable code"})
    message = fields.String(required=True, metadata={"description": "human-readable message"})
    errors = fields.Dict(metadata={"description": "field name -> problems, for invalid input"})
    request_id = fields.String(data_key="requestId")


class HealthSchema(BaseSchema):
    status = fields.String(required=True)


class QuerySchema(BaseSchema):
    """Query parameters: unknown ones are ignored (legacy clients add cache busters)."""

    class Meta:
        unknown = EXCLUDE


class ListQuerySchema(QuerySchema):
    """The seed's global list parameters; subclasses map sortable properties to stored fields."""

    sortable: ClassVar[dict[str, str]] = {}

    user = fields.String(validate=validate.Length(1, 200))
    sort = fields.String()
    order = fields.String(validate=validate.OneOf(["asc", "desc"]))
    limit = fields.Integer(validate=validate.Range(1, 1000))
    offset = fields.Integer(validate=validate.Range(0, 1_000_000))

    @pre_load
    def check_sort(self, data: Any, **kwargs: Any) -> Any:
        sort = data.get("sort") if hasattr(data, "get") else None
        if sort is not None and sort not in self.sortable:
            allowed = ", ".join(sorted(self.sortable))
            raise ValidationError({"sort": [f"Must be one of: {allowed}."]})
        return data
