"""Registered accounts (`type=arsnova`): register, activate, log in, change, reset, delete.

An account's user name is its normalised e-mail address (trimmed, lower
case), which can never be a guest's (`Guest…`, no `@`) nor a service
account's (`integration:`; `:` is not allowed here). Passwords are hashed
with argon2id (argon2-cffi's `PasswordHasher`, its current defaults; a hash
made with other parameters is replaced at the next login), off the event
loop; they are never logged or stored otherwise.

Nothing a caller is told says whether an address is registered: registering
a taken address answers as registering a new one (its owner gets an e-mail
saying so, with a reset link), asking to reset an unknown address as a known
one, and a login with an unknown address is checked against a dummy hash so
that it takes as long as a wrong password. The links of those e-mails carry
a random token (256 bits) of which only the SHA-256 is stored; each works
once and expires. Login failures are limited per account and per address
(ratelimit.PASSWORD_FAILURE*), e-mails sent on request per address and per
recipient (ratelimit.MAIL*).
"""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import timedelta
from functools import cache

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from arsnova.auth import current_login, hash_token
from arsnova.errors import BadRequest, Forbidden, NotFound, Unauthorized
from arsnova.identity import Identity, User
from arsnova.keys import mailer_key, rate_limiter_key, settings_key, store_key
from arsnova.ratelimit import (
    MAIL,
    MAIL_RECIPIENT,
    PASSWORD_FAILURE,
    PASSWORD_FAILURE_ADDRESS,
    Rule,
    by_account,
    by_address,
)
from arsnova.realtime.maintenance import disconnect_login
from arsnova.services.sessions import delete_session
from arsnova.store.accounts import ACTIVATE, RESET, Account
from arsnova.store.common import Page, now
from arsnova.urls import own_origin

ACCOUNT_TYPE = "arsnova"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1000
MAX_EMAIL_LENGTH = 254
# One @, no spaces, quotes, colons or angle brackets; a dot in the domain.
EMAIL = re.compile(
    r"[^\s@:;,<>()\[\]\\\"']{1,64}@[^\s@:;,<>()\[\]\\\"']+\.[^\s@:;,<>()\[\]\\\"'.]+"
)
ACTIVATION_TTL = timedelta(days=2)
RESET_TTL = timedelta(hours=1)

hasher = PasswordHasher()  # tests replace it to see a hash with old parameters replaced


class WrongCredentials(Unauthorized):
    code = "wrong-credentials"
    default_message = "Wrong e-mail address or password."


class WrongPassword(Forbidden):
    """The password that confirms a change of one's own account is wrong (the login stays)."""

    code = "wrong-password"
    default_message = "The password is not right."


def normalise_email(raw: str) -> str | None:
    """The address as the account's name (trimmed, lower case), or None if it is none."""
    email = raw.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL.fullmatch(email):
        return None
    return email


def require_email(raw: str) -> str:
    email = normalise_email(raw)
    if email is None:
        raise BadRequest("This is not an e-mail address.", code="invalid-email")
    return email


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequest(
            f"A password has at least {MIN_PASSWORD_LENGTH} characters.", code="password-too-short"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadRequest(
            f"A password has at most {MAX_PASSWORD_LENGTH} characters.", code="password-too-long"
        )


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(hasher.hash, password)


@cache
def dummy_hash() -> str:
    """What an unknown address's password is checked against (as long as a real check)."""
    return hasher.hash(secrets.token_urlsafe(16))


async def password_matches(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def accounts_open(app: web.Application) -> bool:
    """Whether the pages may register accounts: accounts on, e-mail configured, self-login on."""
    settings = app[settings_key]
    return settings.accounts_enabled and settings.registration and mailer_key in app


class AccountProvider:
    """The `arsnova` login type of `POST /auth/login`: e-mail address and password."""

    name = ACCOUNT_TYPE

    async def authenticate(self, request: web.Request, user: str, password: str) -> Identity:
        email = normalise_email(user)
        account = await checked_password(request, email, password)
        if not account["activated"]:
            raise Forbidden(
                "This account is not activated yet: open the link of the e-mail it was sent.",
                code="account-not-activated",
            )
        return Identity(account["email"], ACCOUNT_TYPE)


async def checked_password(request: web.Request, email: str | None, password: str) -> Account:
    """The account whose password this is; failures count against the limits (429 past them)."""
    limiter = request.app[rate_limiter_key]
    keys: tuple[tuple[Rule, str], ...] = ((PASSWORD_FAILURE_ADDRESS, by_address(request.remote)),)
    if email is not None:
        keys += ((PASSWORD_FAILURE, by_account(email)),)
    for rule, key in keys:
        await limiter.check(rule, key)
    store = request.app[store_key]
    account = None if email is None else await store.accounts.by_email(email)
    stored = dummy_hash() if account is None else account["password_hash"]
    if not await password_matches(stored, password) or account is None:
        for rule, key in keys:
            await limiter.hit(rule, key)
        raise WrongCredentials()
    if hasher.check_needs_rehash(stored):
        await store.accounts.replace_hash(account["id"], stored, await hash_password(password))
    return account


def public_base(request: web.Request) -> str:
    return request.app[settings_key].public_url or own_origin(request)


def new_token() -> str:
    return secrets.token_urlsafe(32)


async def count_mail(request: web.Request, email: str) -> None:
    """E-mail sent on request: a few per recipient and per address (429 past them)."""
    limiter = request.app[rate_limiter_key]
    await limiter.hit(MAIL, by_address(request.remote))
    await limiter.hit(MAIL_RECIPIENT, by_account(email))


async def register(request: web.Request, raw_email: str, password: str) -> None:
    """Sends an activation link to a new address, or its owner a note to a registered one."""
    if not accounts_open(request.app):
        raise Forbidden(
            "Registration is closed here (this server sends no e-mail); ask its operator "
            "for an account.",
            code="account-registration-closed",
        )
    email = require_email(raw_email)
    check_password_rules(password)
    await count_mail(request, email)
    password_hash = await hash_password(password)
    store = request.app[store_key]
    account = await store.accounts.by_email(email)
    if account is None:
        account = await store.accounts.create(email, password_hash, activated=False)
        if account is None:  # registered meanwhile
            account = await store.accounts.by_email(email)
    if account is None:  # deleted meanwhile: nothing to tell anyone
        return
    language = request_language(request)
    if account["activated"]:
        link = await reset_link(request, account)
        send(request, email, "registered", language, link=link, base=public_base(request))
        return
    token = new_token()
    expires = now() + ACTIVATION_TTL
    await store.accounts.add_token(
        hash_token(token), ACTIVATE, account["id"], expires, password_hash
    )
    link = f"{public_base(request)}/account/activate#token={token}"
    send(request, email, "activate", language, link=link, base=public_base(request))


async def activate(request: web.Request, token: str) -> Identity:
    """Activates the account of an activation link (once), with that registration's password."""
    require_accounts(request.app)
    store = request.app[store_key]
    found = await store.accounts.redeem_token(hash_token(token), ACTIVATE)
    account = None if found is None else await store.accounts.by_id(found["account_id"])
    if found is None or account is None:
        raise link_invalid()
    await store.accounts.set_password(account["id"], found["password_hash"], activate=True)
    await store.accounts.drop_tokens(account["id"], ACTIVATE)
    return Identity(account["email"], ACCOUNT_TYPE)


async def request_reset(request: web.Request, raw_email: str) -> None:
    """Sends a reset link if the address has an account; answers alike if it has none."""
    if not request.app[settings_key].accounts_enabled or mailer_key not in request.app:
        raise Forbidden(
            "This server sends no e-mail; ask its operator to reset your password.",
            code="mail-not-configured",
        )
    email = require_email(raw_email)
    await count_mail(request, email)
    account = await request.app[store_key].accounts.by_email(email)
    if account is None:
        return
    link = await reset_link(request, account)
    send(request, email, "reset", request_language(request), link=link, base=public_base(request))


async def reset_link(request: web.Request, account: Account) -> str:
    token = new_token()
    await request.app[store_key].accounts.add_token(
        hash_token(token), RESET, account["id"], now() + RESET_TTL
    )
    return f"{public_base(request)}/account/reset#token={token}"


async def reset_password(request: web.Request, token: str, password: str) -> None:
    """Sets the password of a reset link (once); the account's logins end, it is activated."""
    require_accounts(request.app)
    check_password_rules(password)  # before the link is used up: a short password keeps it
    store = request.app[store_key]
    found = await store.accounts.redeem_token(hash_token(token), RESET)
    account = None if found is None else await store.accounts.by_id(found["account_id"])
    if found is None or account is None:
        raise link_invalid()
    await store.accounts.set_password(account["id"], await hash_password(password), activate=True)
    await store.accounts.drop_tokens(account["id"], RESET)
    await end_logins(request.app, account["email"])


def require_accounts(app: web.Application) -> None:
    """The links of an e-mail sent while accounts were on do nothing once they are off."""
    if not app[settings_key].accounts_enabled:
        raise BadRequest(
            f"The login type {ACCOUNT_TYPE!r} is not configured on this server.",
            code="login-type-not-configured",
        )


def link_invalid() -> NotFound:
    return NotFound("This link was used already or has expired.", code="link-invalid")


def require_account_user(user: User) -> str:
    if user.type != ACCOUNT_TYPE:
        raise Forbidden(
            "Only a registered account (type arsnova) has a password here.",
            code="account-required",
        )
    return user.username


async def change_password(request: web.Request, user: User, old: str, new: str) -> None:
    """With the old password; the account's other logins end (this one stays)."""
    email = require_account_user(user)
    check_password_rules(new)
    account = await confirm_password(request, email, old)
    store = request.app[store_key]
    await store.accounts.set_password(account["id"], await hash_password(new))
    await store.accounts.drop_tokens(account["id"], RESET)
    login = await current_login(request)
    await end_logins(request.app, email, keep=None if login is None else login["id"])


async def delete_account(request: web.Request, user: User, password: str) -> None:
    """Deletes the account, its sessions with all in them, its visits to others' sessions, and
    ends its logins (this one too). Its answers, votes and questions in others' sessions stay
    there (they are part of those lectures' results) under a random alias: the e-mail address
    is kept nowhere."""
    email = require_account_user(user)
    account = await confirm_password(request, email, password)
    store = request.app[store_key]
    for session in await store.sessions.owned(email, Page()):
        await delete_session(request.app, session)
    await store.sessions.forget_visitor(email)
    await store.pseudonymize(email, f"deleted-{secrets.token_hex(8)}")
    await store.accounts.delete(account["id"])
    await end_logins(request.app, email)


async def confirm_password(request: web.Request, email: str, password: str) -> Account:
    try:
        return await checked_password(request, email, password)
    except WrongCredentials:
        raise WrongPassword() from None


async def end_logins(app: web.Application, username: str, keep: str | None = None) -> None:
    """Ends a user's logins (but `keep`) on every node, their sockets disconnected at once."""
    store = app[store_key]
    login_ids = [login_id for login_id in await store.logins.of_user(username) if login_id != keep]
    for login_id in login_ids:
        await store.socket_tokens.revoke_login(login_id)
    await store.logins.delete_ids(login_ids)
    for login_id in login_ids:
        await disconnect_login(app, login_id)


def request_language(request: web.Request) -> str:
    """German if the browser prefers it to English, else English (the pages' two languages)."""
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("de"):
            return "de"
        if tag.startswith("en"):
            return "en"
    return "en"


MESSAGES = {
    ("activate", "en"): (
        "Activate your ARSnova account",
        "Hello,\n\nplease open this link to activate your ARSnova account:\n\n{link}\n\n"
        "The link works once, within 48 hours. If you did not register, ignore this e-mail.\n",
    ),
    ("activate", "de"): (
        "Aktiviere dein ARSnova-Konto",
        "Hallo,\n\nbitte öffne diesen Link, um dein ARSnova-Konto zu aktivieren:\n\n{link}\n\n"
        "Der Link gilt einmal, 48 Stunden lang. Wenn du dich nicht registriert hast, "
        "ignoriere diese E-Mail.\n",
    ),
    ("registered", "en"): (
        "Your ARSnova account",
        "Hello,\n\nsomeone (perhaps you) tried to register this address at {base}, "
        "but it has an account already. Sign in there with your password; if you forgot it, "
        "set a new one with this link (it works once, within an hour):\n\n{link}\n\n"
        "If it was not you, ignore this e-mail: nothing has changed.\n",
    ),
    ("registered", "de"): (
        "Dein ARSnova-Konto",
        "Hallo,\n\njemand (vielleicht du) wollte diese Adresse bei {base} registrieren, "
        "aber sie hat schon ein Konto. Melde dich dort mit deinem Passwort an; falls du es "
        "vergessen hast, setze mit diesem Link ein neues (er gilt einmal, eine Stunde "
        "lang):\n\n{link}\n\nWarst du es nicht, ignoriere diese E-Mail: nichts hat sich "
        "geändert.\n",
    ),
    ("reset", "en"): (
        "A new password for ARSnova",
        "Hello,\n\nopen this link to set a new password for your ARSnova account:\n\n{link}\n\n"
        "The link works once, within an hour. If you did not ask for it, ignore this e-mail.\n",
    ),
    ("reset", "de"): (
        "Ein neues Passwort für ARSnova",
        "Hallo,\n\nöffne diesen Link, um ein neues Passwort für dein ARSnova-Konto zu "
        "setzen:\n\n{link}\n\nDer Link gilt einmal, eine Stunde lang. Wenn du ihn nicht "
        "angefordert hast, ignoriere diese E-Mail.\n",
    ),
}


def send(request: web.Request, to: str, kind: str, language: str, **values: str) -> None:
    subject, text = MESSAGES[kind, language]
    request.app[mailer_key].send_later(to, subject, text.format(**values))
