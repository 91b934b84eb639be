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
