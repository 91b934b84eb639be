"""The public `GET /configuration/` answer: what pages need to know about this server."""

from __future__ import annotations

from marshmallow import fields

from arsnova.schemas.common import BaseSchema


class ConfigurationSchema(BaseSchema):
    public_url = fields.String(
        required=True,
        data_key="publicUrl",
        metadata={
            "description": "where phones reach this server (join links, QR codes): "
            "ARSNOVA_PUBLIC_URL, else the request's origin (through a trusted proxy, "
            "the browser's)",
            "example": "https://arsnova.uni.example",
        },
    )
    login_types = fields.List(
        fields.String(),
        required=True,
        data_key="loginTypes",
        metadata={
            "description": "the login types configured here, for the pages' sign-in choices: "
            "guest, arsnova (accounts), oidc, ldap",
            "example": ["arsnova", "oidc", "guest"],
        },
    )
    login_labels = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        data_key="loginLabels",
        metadata={
            "description": "what the sign-in button of a login type says, for the types whose "
            "provider is configured with a label (others: the pages' own words)",
            "example": {"oidc": "University login"},
        },
    )
    registration_open = fields.Boolean(
        required=True,
        data_key="registrationOpen",
        metadata={
            "description": "accounts (arsnova) may be registered from the pages: accounts are "
            "on and this server sends e-mail (ARSNOVA_SMTP_URL)"
        },
    )
