"""/auth/…: registered accounts (`type=arsnova`); their login is `POST /auth/login`.

The pages of the e-mailed links (`/account/activate`, `/account/reset`) are
in arsnova/web; they post the link's token (from the URL's fragment, which
no server log or `Referer` sees) to the routes here.
"""

from __future__ import annotations

from aiohttp import web

from arsnova.api.csrf import require_own_site
from arsnova.api.openapi import operation
from arsnova.api.params import load_body
from arsnova.auth import require_user, start_login
from arsnova.identity import COOKIE_NAME
from arsnova.schemas.accounts import (
    ActivateSchema,
    ChangePasswordSchema,
    DeleteAccountSchema,
    EmailSchema,
    RegisterSchema,
    ResetSchema,
    SentSchema,
)
from arsnova.schemas.auth import WhoAmISchema
from arsnova.services import accounts

routes = web.RouteTableDef()
register_schema = RegisterSchema()
email_schema = EmailSchema()
activate_schema = ActivateSchema()
reset_schema = ResetSchema()
change_schema = ChangePasswordSchema()
delete_schema = DeleteAccountSchema()
sent_schema = SentSchema()
who_am_i_schema = WhoAmISchema()

SENT = "If the address can get one, an e-mail is on its way; open its link."


@routes.post("/auth/register")
@operation(body=register_schema, responses={202: sent_schema}, errors=(403, 429), login=False)
async def register(request: web.Request) -> web.Response:
    """Registers an e-mail address and password; the address gets an activation link.

    The answer is the same for an address that has an account (its owner
    gets an e-mail saying so). 403 `account-registration-closed` where this server
    sends no e-mail.
    """
    body = await load_body(request, register_schema)
    await accounts.register(request, body["email"], body["password"])
    return web.json_response(sent_schema.dump({"message": SENT}), status=202)


@routes.post("/auth/activate")
@operation(body=activate_schema, responses={200: who_am_i_schema}, errors=(403, 404), login=False)
async def activate(request: web.Request) -> web.Response:
    """Activates the account of an activation link (once) and logs this browser in.

    404 `link-invalid` for a link used already or expired. With
    `keepGuestSessions` the guest logged in here hands its sessions over.
    """
    require_own_site(request)
    body = await load_body(request, activate_schema)
    identity = await accounts.activate(request, body["token"])
    response = web.json_response(
        who_am_i_schema.dump({"username": identity.username, "type": identity.type})
    )
    await start_login(request, response, identity, adopt_guest=body["keep_guest_sessions"])
    return response


@routes.post("/auth/reset")
@operation(body=email_schema, responses={202: sent_schema}, errors=(403, 429), login=False)
async def request_reset(request: web.Request) -> web.Response:
    """Mails a new-password link if the address has an account (the same answer if not)."""
    body = await load_body(request, email_schema)
    await accounts.request_reset(request, body["email"])
    return web.json_response(sent_schema.dump({"message": SENT}), status=202)


@routes.post("/auth/reset/confirm")
@operation(body=reset_schema, responses={204: None}, errors=(403, 404), login=False)
async def reset_password(request: web.Request) -> web.Response:
    """Sets a new password with a reset link's token (once); the account's logins end."""
    body = await load_body(request, reset_schema)
    await accounts.reset_password(request, body["token"], body["password"])
    return web.Response(status=204)


@routes.post("/auth/password")
@operation(body=change_schema, responses={204: None}, errors=(403, 429))
async def change_password(request: web.Request) -> web.Response:
    """Changes the password of the account logged in (with the old one); its other logins end.

    403 `wrong-password` for a wrong old one, `account-required` for a login
    of another type.
    """
    user = await require_user(request)
    body = await load_body(request, change_schema)
    await accounts.change_password(request, user, body["old_password"], body["new_password"])
    return web.Response(status=204)


@routes.delete("/auth/account")
@operation(body=delete_schema, responses={204: None}, errors=(403, 429))
async def delete_account(request: web.Request) -> web.Response:
    """Deletes the account logged in, with its sessions and all in them; its logins end.

    Confirmed with the password (403 `wrong-password`).
    """
    user = await require_user(request)
    body = await load_body(request, delete_schema)
    await accounts.delete_account(request, user, body["password"])
    response = web.Response(status=204)
    response.del_cookie(COOKIE_NAME, path="/")
    return response
