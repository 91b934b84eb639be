"""Login, logout and who-am-I."""

from __future__ import annotations

from marshmallow import fields, validate

from arsnova.schemas.common import BaseSchema, QuerySchema

URL = validate.Length(1, 2000)


class LoginQuerySchema(QuerySchema):
    type = fields.String(load_default="guest", validate=validate.Length(1, 40))
    user = fields.String(validate=validate.Length(1, 200))
    successurl = fields.String(validate=URL)
    failureurl = fields.String(validate=URL)
    keepguest = fields.Boolean(
        load_default=False,
        metadata={"description": "single sign-on: the guest logged in here keeps its sessions"},
    )


class OidcCallbackQuerySchema(QuerySchema):
    """Where the OpenID provider sends the browser back (RFC 6749 4.1.2, RFC 9207)."""

    state = fields.String(required=True, validate=validate.Length(1, 200))
    code = fields.String(validate=validate.Length(1, 2000))
    error = fields.String(validate=validate.Length(1, 200))
    error_description = fields.String(validate=validate.Length(0, 2000))
    iss = fields.String(validate=URL)


class PasswordLoginSchema(BaseSchema):
    """`POST /auth/login`: a login type that checks a user name (or e-mail) and password."""

    type = fields.String(
        load_default="arsnova",
        validate=validate.Length(1, 40),
        metadata={"description": "arsnova (accounts) or ldap, as configured"},
    )
    user = fields.String(required=True, validate=validate.Length(1, 200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 1000))
    keep_guest_sessions = fields.Boolean(
        load_default=False,
        data_key="keepGuestSessions",
        metadata={"description": "the guest logged in here hands its sessions to this login"},
    )


class LoginLinkQuerySchema(QuerySchema):
    token = fields.String(required=True, validate=validate.Length(1, 128))


class WhoAmISchema(BaseSchema):
    username = fields.String(required=True)
    type = fields.String(required=True)
