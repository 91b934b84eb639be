"""The `ldap` login type: a user name and password checked by binding to a directory.

ARSnova's LDAP login, as campus directories (OpenLDAP, Active Directory) run
it: bind as the service account (or anonymously), search the typed name with
the configured filter, which must find exactly one entry, then bind as that
entry's DN with the typed password. The user's name is an attribute of the
entry (`uid` by default), so `ALICE` and `alice` are one user; the lecturer
role comes from a group or a filter, when one is configured.

ldap3 is synchronous: each login runs in a thread of this provider's own pool
(a hanging directory then holds only those threads, never the event loop,
guest logins or aiohttp's resolver), with connect and receive timeouts, and
an overall limit on top for the time spent waiting for a free thread.

The typed name enters the filter escaped (RFC 4515, ldap3's
`escape_filter_chars`), so `*` or `)(uid=*` are looked up as the literal
characters they are. An empty password is refused before anything is sent:
to a directory, a simple bind with a DN and no password is an anonymous
bind, which succeeds (RFC 4513 §5.1.2) and must never count as a login.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from ldap3 import BASE, NONE, SIMPLE, SUBTREE, SYNC, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from arsnova.auth import GUEST_NAME, SERVICE_PREFIX
from arsnova.errors import ArsnovaError, Forbidden, Unauthorized
from arsnova.identity import LECTURER, STUDENT, Identity
from arsnova.settings import LdapSettings

log = logging.getLogger(__name__)

THREADS = 8  # logins that may wait for the directory at once; the others queue for a thread
MAX_USERNAME = 200  # as a login's `user` in POST /auth/login


class DirectoryUnavailable(ArsnovaError):
    status = 503
    code = "directory-unavailable"
    default_message = "The login directory does not answer; try again shortly or log in as guest."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": "10"}


def wrong_credentials() -> Unauthorized:
    return Unauthorized("Wrong user name or password.", code="wrong-credentials")


@dataclass(frozen=True)
class Found:
    """What the directory said about a user whose password it accepted."""

    username: str | None
    lecturer: bool


class LdapProvider:
    """`POST /auth/login` with `{"type": "ldap", "user", "password"}` (arsnova.identity)."""

    name = "ldap"

    def __init__(self, settings: LdapSettings) -> None:
        self.settings = settings
        self.label = settings.label
        self.executor = ThreadPoolExecutor(THREADS, thread_name_prefix="ldap")
        parts = urlsplit(settings.url)
        self.host, self.port, self.use_ssl = (
            parts.hostname or "",
            parts.port,
            parts.scheme == "ldaps",
        )
        self.tls = None
        if self.use_ssl or settings.start_tls:
            self.tls = Tls(
                validate=ssl.CERT_REQUIRED,
                ca_certs_file=None if settings.ca_file is None else str(settings.ca_file),
                sni=self.host,  # a directory behind a TLS front picks its certificate by name
            )

    async def authenticate(self, request: web.Request, user: str, password: str) -> Identity:
        if not user or not password or not usable(user) or not usable(password):
            raise wrong_credentials()
        loop = asyncio.get_running_loop()
        # Each step (connect, binds, searches) has `timeout`; the whole login, the wait for a
        # free thread included, six times that: a crowd against a hanging directory ends, 503.
        try:
            async with asyncio.timeout(self.settings.timeout * 6):
                found = await loop.run_in_executor(self.executor, self.check, user, password)
        except TimeoutError:
            log.warning("LDAP login: no answer from %s in time", self.settings.url)
            raise DirectoryUnavailable() from None
        if found is None:
            raise wrong_credentials()
        name = found.username
        if name is None or not allowed_username(name):
            # No names in the log: the directory's (reserved or missing) name says who this is.
            log.warning(
                "LDAP login: a directory user's %s is reserved here (Guest…, integration:…), "
                "too long or missing",
                self.settings.user_attribute,
            )
            raise Forbidden(
                "This directory account's name cannot be used here; ask the server's operator.",
                code="username-not-allowed",
            )
        role = (LECTURER if found.lecturer else STUDENT) if self.settings.maps_roles else None
        return Identity(name, self.name, role=role)

    async def cleanup(self, app: web.Application) -> None:
        """With the app: the pool's threads end once their directory calls return."""
        self.executor.shutdown(wait=False, cancel_futures=True)

    # What follows runs in the pool's threads (blocking ldap3 calls).

    def check(self, user: str, password: str) -> Found | None:
        """The user's name and role if `password` is theirs; None if not, or no such user."""
        # A server of its own for each login: ldap3's Server remembers addresses that failed
        # (not thread-safe, and a directory back up would still be shunned for a while).
        server = Server(
            self.host,
            port=self.port,
            use_ssl=self.use_ssl,
            tls=self.tls,
            get_info=NONE,  # no schema or root DSE read: one round trip less per login
            connect_timeout=self.settings.timeout,
        )
        try:
            service = self.connect(server, self.settings.bind_dn, self.settings.bind_password)
        except LDAPException as exc:
            log.warning("LDAP login: %s cannot be reached: %s", self.settings.url, brief(exc))
            raise DirectoryUnavailable() from None
        try:
            if not service.bind():
                log.error(
                    "LDAP login: the directory refused the service bind (%s): check "
                    "ARSNOVA_LDAP_BIND_DN and ARSNOVA_LDAP_BIND_PASSWORD",
                    service.result.get("description"),
                )
                raise DirectoryUnavailable(
                    "The login directory refused this server; tell its operator."
                )
            entry = self.find(service, user)
            if entry is None or not self.password_matches(server, entry[0], password):
                return None
            dn, attributes = entry
            return Found(
                first_value(attributes.get(self.settings.user_attribute)),
                self.is_lecturer(service, dn),
            )
        except LDAPException as exc:
            log.warning("LDAP login: the directory failed: %s", brief(exc))
            raise DirectoryUnavailable() from None
        finally:
            unbind(service)

    def connect(self, server: Server, dn: str | None, password: str | None) -> Connection:
        """An open (not yet bound) connection, TLS started if configured."""
        connection = Connection(
            server,
            user=dn,
            password=password,
            authentication=SIMPLE if dn else None,
            client_strategy=SYNC,
            read_only=True,
            auto_referrals=False,  # never follow the directory to another host with a password
            receive_timeout=self.settings.timeout,
            raise_exceptions=False,
        )
        try:
            connection.open()
            if self.settings.start_tls and not connection.start_tls():
                log.error("LDAP login: StartTLS refused: %s", connection.result.get("description"))
                raise DirectoryUnavailable()
        except BaseException:
            unbind(connection)  # closes the socket, TLS or not
            raise
        return connection

    def find(self, service: Connection, user: str) -> tuple[str, dict] | None:
        """The one entry the user filter finds for `user`; None for none or several."""
        search_filter = self.settings.user_filter.replace("{user}", escape_filter_chars(user))
        service.search(
            self.settings.search_base,
            search_filter,
            search_scope=SUBTREE,
            attributes=[self.settings.user_attribute],
            size_limit=2,
            time_limit=self.settings.timeout,
        )
        failed(service, ("success", "sizeLimitExceeded", "noSuchObject"))
        if service.result.get("description") == "noSuchObject":
            log.error("LDAP login: ARSNOVA_LDAP_SEARCH_BASE is not in the directory")
        entries = [item for item in service.response or () if item.get("type") == "searchResEntry"]
        if len(entries) > 1:
            log.warning("LDAP login: the user filter finds more than one entry for a name")
        if len(entries) != 1:
            return None
        return entries[0]["dn"], entries[0].get("attributes", {})

    def password_matches(self, server: Server, dn: str, password: str) -> bool:
        connection = self.connect(server, dn, password)
        try:
            if connection.bind():
                return True
            failed(
                connection,
                ("invalidCredentials", "inappropriateAuthentication", "unwillingToPerform"),
            )
            return False
        finally:
            unbind(connection)

    def is_lecturer(self, service: Connection, dn: str) -> bool:
        settings = self.settings
        if settings.lecturer_group is not None:
            member = f"({settings.group_member_attribute}={escape_filter_chars(dn)})"
            service.search(settings.lecturer_group, member, search_scope=BASE, attributes=[])
            failed(service, ("success", "noSuchObject"))
            if any(item.get("type") == "searchResEntry" for item in service.response or ()):
                return True
        if settings.lecturer_filter is not None:
            service.search(dn, settings.lecturer_filter, search_scope=BASE, attributes=[])
            failed(service, ("success", "noSuchObject"))
            if any(item.get("type") == "searchResEntry" for item in service.response or ()):
                return True
        return False


def failed(connection: Connection, expected: tuple[str, ...]) -> None:
    """Raises DirectoryUnavailable for a result that is not one of `expected`."""
    description = connection.result.get("description") if connection.result else None
    if description not in expected:
        log.error("LDAP login: the directory answered %r", description)
        raise DirectoryUnavailable()


def brief(exc: Exception) -> str:
    """What went wrong, for the log (ldap3's messages name hosts and sockets, never passwords)."""
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def unbind(connection: Connection) -> None:
    with contextlib.suppress(LDAPException):
        connection.unbind()


def first_value(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


def usable(text: str) -> bool:
    """Text that can be sent: UTF-8 (JSON may carry lone surrogates, which are not)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def allowed_username(name: str) -> bool:
    """Not a guest's name, a service account's, too long, or with control characters."""
    return (
        len(name) <= MAX_USERNAME
        and name.isprintable()
        and name == name.strip()
        and not GUEST_NAME.fullmatch(name)
        and not name.startswith(SERVICE_PREFIX)
    )
