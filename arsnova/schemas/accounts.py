"""Accounts (`type=arsnova`): registering, activating, resetting and changing passwords."""

from __future__ import annotations

from marshmallow import fields, validate

from arsnova.schemas.common import BaseSchema, StrictBoolean

EMAIL = validate.Length(1, 320)
PASSWORD = validate.Length(1, 1000)  # the rules (at least 8) are the service's: a clear code
TOKEN = validate.Length(1, 128)


def password(description: str) -> fields.String:
    return fields.String(
        required=True, load_only=True, validate=PASSWORD, metadata={"description": description}
    )


class RegisterSchema(BaseSchema):
    email = fields.String(required=True, validate=EMAIL, metadata={"example": "prof@uni.example"})
    password = password("at least 8 characters")


class EmailSchema(BaseSchema):
    email = fields.String(required=True, validate=EMAIL, metadata={"example": "prof@uni.example"})


class ActivateSchema(BaseSchema):
    token = fields.String(required=True, validate=TOKEN, metadata={"description": "the link's"})
    keep_guest_sessions = StrictBoolean(
        load_default=False,
        data_key="keepGuestSessions",
        metadata={"description": "the guest logged in here hands its sessions to the account"},
    )


class ResetSchema(BaseSchema):
    token = fields.String(required=True, validate=TOKEN, metadata={"description": "the link's"})
    password = password("the new password, at least 8 characters")


class ChangePasswordSchema(BaseSchema):
    old_password = fields.String(
        required=True, load_only=True, validate=PASSWORD, data_key="oldPassword"
    )
    new_password = fields.String(
        required=True,
        load_only=True,
        validate=PASSWORD,
        data_key="newPassword",
        metadata={"description": "at least 8 characters"},
    )


class DeleteAccountSchema(BaseSchema):
    password = password("the account's password, to confirm")


class SentSchema(BaseSchema):
    """The same answer whether or not the address has an account."""

    message = fields.String(required=True)
