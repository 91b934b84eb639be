"""/configuration/: what the pages need to know about this server (ARSnova 2 had such a route)."""

from __future__ import annotations

from aiohttp import web

from arsnova.api.openapi import operation
from arsnova.keys import providers_key, settings_key
from arsnova.schemas.configuration import ConfigurationSchema
from arsnova.services.accounts import accounts_open
from arsnova.urls import own_origin

routes = web.RouteTableDef()
configuration_schema = ConfigurationSchema()


@routes.get("/configuration/")
@operation(responses={200: configuration_schema}, login=False)
async def get_configuration(request: web.Request) -> web.Response:
    """The server's public address, for join links and QR codes; the login types offered.

    `loginLabels` names the login types whose provider has a `label` (the
    campus's single sign-on, say); the pages name the others themselves.
    `registrationOpen`: the pages may register accounts (e-mail is configured).
    `publicUrl` is `ARSNOVA_PUBLIC_URL`, else the origin the request came to
    (behind a trusted proxy, the one the browser used: `X-Forwarded-Proto`
    and the `Host` the proxy passed on; never `X-Forwarded-Host`). A page
    opened as `127.0.0.1` thus learns the address phones can use, when one is
    configured.
    """
    public_url = request.app[settings_key].public_url or own_origin(request)
    providers = request.app[providers_key]
    labels = {name: getattr(provider, "label", None) for name, provider in providers.items()}
    return web.json_response(
        configuration_schema.dump({
            "public_url": public_url,
            "login_types": list(providers),
            "login_labels": {name: label for name, label in labels.items() if label},
            "registration_open": accounts_open(request.app),
        })
    )  # fmt: skip
