"""Configuration from environment variables, validated once at start.

`Settings.from_env` is the only place that reads the environment. Every bad
value is reported as one line naming the variable, all of them at once.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import shlex
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ENVIRONMENTS = ("development", "production")
SECRET_FILE = "secret"
MIN_SECRET_LENGTH = 32
MIN_METRICS_TOKEN_LENGTH = 16
LOOPBACK = ("127.0.0.0/8", "::1/128")
HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")


class SettingsError(Exception):
    """One or more settings are invalid; `problems` holds one line for each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def default_embedded_command() -> tuple[str, ...]:
    return (sys.executable, "-m", "arsnova.embedded_db")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    env: str = "development"
    mongodb_uri: str | None = None
    db_name: str = "arsnova"
    db_timeout_ms: int = 5000
    data_dir: Path = Path(".arsnova")
    redis_url: str | None = None
    secret: str = field(default="", repr=False)
    cors_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    log_format: str = "text"
    max_body: int = 1024 * 1024
    embedded_command: tuple[str, ...] = field(default_factory=default_embedded_command)
    embedded_start_timeout: float = 30.0
    migrations_dir: Path | None = None
    migrate_on_start: bool = True
    admins: frozenset[str] = frozenset()
    login_idle_timeout: int = 3 * 3600
    active_user_window: int = 300
    socket_url: str | None = None
    public_url: str | None = None
    feedback_ttl: int = 600
    feedback_sweep_interval: float = 5.0
    broadcast_interval: float = 0.1
    user_count_interval: float = 1.0
    socket_token_ttl: int = 60
    ack_timeout: float = 30.0
    heartbeat_interval: float = 25.0
    inactivity_warning: int = 60
    event_log_max_age: int = 7 * 86400
    event_log_max_events: int = 10_000
    bin_retention: int = 7 * 86400
    registration: bool = True
    activation_timeout: int = 60
    default_index_url: str | None = None
    index_url_allowed: tuple[str, ...] = ()
    place_grace: int = 900
    ws_compression: bool = False
    trusted_proxies: tuple[str, ...] = ()
    rate_limits: bool = True
    socket_transports: tuple[str, ...] = ("polling", "websocket")
    socket_queue_limit: int = 500
    join_queue: int = 10_000
    join_timeout: float = 60.0
    events_max_subscriptions: int = 20
    body_timeout: float = 10.0
    metrics_token: str | None = field(default=None, repr=False)
    metrics_networks: tuple[str, ...] = LOOPBACK
    metrics_port: int | None = None
    overload_queue: int = 500
    overload_resume: int = 250
    ldap: LdapSettings | None = None  # ARSNOVA_LDAP_*: the `ldap` login type, when configured
    # Single sign-on with OpenID Connect (the `oidc` login type, on when an issuer is set).
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = field(default=None, repr=False)
    oidc_scopes: tuple[str, ...] = ("openid", "profile", "email")
    oidc_username_claim: str = "preferred_username"
    oidc_role_claim: str | None = None
    oidc_lecturer_values: frozenset[str] = frozenset()
    oidc_label: str = "Single sign-on"
    # Accounts (`type=arsnova`, docs/login-accounts.md): e-mail over SMTP, on by default with it.
    smtp_url: str | None = field(default=None, repr=False)  # may hold the SMTP password
    mail_from: str | None = None
    accounts: bool | None = None  # None: on when SMTP is configured

    @property
    def redis_prefix(self) -> str:
        """One deployment's Redis names: its nodes share a database, whose name tells them apart."""
        return f"arsnova:{self.db_name}:"

    @property
    def accounts_enabled(self) -> bool:
        """Whether accounts log in (`ARSNOVA_ACCOUNTS`, by default on when SMTP is set)."""
        return self.smtp_url is not None if self.accounts is None else self.accounts

    @property
    def embedded(self) -> bool:
        """True when this process must run (or reuse) the embedded database."""
        return self.mongodb_uri is None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        problems: list[str] = []
        values: dict[str, Any] = {}

        def read(name: str, attr: str, parse: Callable[[str], Any]) -> None:
            raw = env.get(name)
            if raw is None or raw == "":
                return
            try:
                values[attr] = parse(raw)
            except ValueError as exc:
                problems.append(f"{name}={raw!r}: {exc}")

        read("ARSNOVA_HOST", "host", _non_empty)
        read("ARSNOVA_PORT", "port", _int_between(0, 65535))
        read("ARSNOVA_ENV", "env", _choice(ENVIRONMENTS))
        read("MONGODB_URI", "mongodb_uri", _mongodb_uri)
        read("ARSNOVA_DB_NAME", "db_name", _db_name)
        read("ARSNOVA_DB_TIMEOUT_MS", "db_timeout_ms", _int_between(100, 600_000))
        read("ARSNOVA_DATA_DIR", "data_dir", Path)
        read("REDIS_URL", "redis_url", _redis_url)
        read("ARSNOVA_SECRET", "secret", _secret)
        read("ARSNOVA_CORS_ORIGINS", "cors_origins", _origins)
        read("ARSNOVA_LOG_LEVEL", "log_level", _choice(LOG_LEVELS, upper=True))
        read("ARSNOVA_LOG_FORMAT", "log_format", _choice(("text", "json")))
        read("ARSNOVA_MAX_BODY", "max_body", _int_between(1024, 1024**3))
        read("ARSNOVA_EMBEDDED_COMMAND", "embedded_command", _command)
        read("ARSNOVA_EMBEDDED_START_TIMEOUT", "embedded_start_timeout", _float_between(1, 600))
        read("ARSNOVA_MIGRATIONS_DIR", "migrations_dir", Path)
        read("ARSNOVA_ADMINS", "admins", _names)
        read("ARSNOVA_LOGIN_IDLE_TIMEOUT", "login_idle_timeout", _int_between(60, 30 * 86400))
        read("ARSNOVA_SOCKET_URL", "socket_url", _http_url)
        read("ARSNOVA_PUBLIC_URL", "public_url", _origin)
        read("ARSNOVA_FEEDBACK_TTL", "feedback_ttl", _int_between(1, 7 * 86400))
        read(
            "ARSNOVA_FEEDBACK_SWEEP_INTERVAL", "feedback_sweep_interval", _float_between(0.1, 3600)
        )
        read("ARSNOVA_SOCKET_TOKEN_TTL", "socket_token_ttl", _int_between(1, 3600))
        read("ARSNOVA_ACK_TIMEOUT", "ack_timeout", _float_between(0.1, 3600))
        read("ARSNOVA_HEARTBEAT_INTERVAL", "heartbeat_interval", _float_between(0.1, 3600))
        read("ARSNOVA_INACTIVITY_WARNING", "inactivity_warning", _int_between(1, 86400))
        read("ARSNOVA_EVENT_LOG_MAX_AGE", "event_log_max_age", _int_between(60, 365 * 86400))
        read("ARSNOVA_EVENT_LOG_MAX_EVENTS", "event_log_max_events", _int_between(10, 10_000_000))
        read("ARSNOVA_BIN_RETENTION", "bin_retention", _int_between(1, 365 * 86400))
        read("ARSNOVA_REGISTRATION", "registration", _bool)
        read("ARSNOVA_ACTIVATION_TIMEOUT", "activation_timeout", _int_between(1, 86400))
        read("ARSNOVA_DEFAULT_INDEX_URL", "default_index_url", _web_url)
        read("ARSNOVA_INDEX_URL_ALLOWED", "index_url_allowed", _hosts)
        read("ARSNOVA_PLACE_GRACE", "place_grace", _int_between(0, 30 * 86400))
        read("ARSNOVA_BROADCAST_INTERVAL_MS", "broadcast_interval", _millis_between(0, 60_000))
        read("ARSNOVA_USER_COUNT_INTERVAL_MS", "user_count_interval", _millis_between(0, 60_000))
        read("ARSNOVA_WS_COMPRESSION", "ws_compression", _bool)
        read("ARSNOVA_TRUSTED_PROXIES", "trusted_proxies", _networks)
        read("ARSNOVA_RATE_LIMITS", "rate_limits", _bool)
        read("ARSNOVA_SOCKET_TRANSPORTS", "socket_transports", _transports)
        read("ARSNOVA_SOCKET_QUEUE_LIMIT", "socket_queue_limit", _int_between(1, 1_000_000))
        read("ARSNOVA_JOIN_QUEUE", "join_queue", _int_between(0, 1_000_000))
        read("ARSNOVA_JOIN_TIMEOUT_S", "join_timeout", _int_between(1, 3600))
        read(
            "ARSNOVA_EVENTS_MAX_SUBSCRIPTIONS", "events_max_subscriptions", _int_between(1, 10_000)
        )
        read("ARSNOVA_BODY_TIMEOUT_MS", "body_timeout", _millis_between(1, 600_000))
        read("ARSNOVA_METRICS_TOKEN", "metrics_token", _metrics_token)
        read("ARSNOVA_METRICS_NETWORKS", "metrics_networks", _networks)
        read("ARSNOVA_METRICS_PORT", "metrics_port", _int_between(1, 65535))
        read("ARSNOVA_OVERLOAD_QUEUE", "overload_queue", _int_between(1, 1_000_000))
        read("ARSNOVA_OVERLOAD_RESUME", "overload_resume", _int_between(0, 1_000_000))
        read("ARSNOVA_OIDC_ISSUER", "oidc_issuer", _issuer)
        read("ARSNOVA_OIDC_CLIENT_ID", "oidc_client_id", _non_empty)
        read("ARSNOVA_OIDC_CLIENT_SECRET", "oidc_client_secret", _non_empty)
        read("ARSNOVA_OIDC_SCOPES", "oidc_scopes", _scopes)
        read("ARSNOVA_OIDC_USERNAME_CLAIM", "oidc_username_claim", _claim_name)
        read("ARSNOVA_OIDC_ROLE_CLAIM", "oidc_role_claim", _claim_name)
        read("ARSNOVA_OIDC_LECTURER_VALUES", "oidc_lecturer_values", _names)
        read("ARSNOVA_OIDC_LABEL", "oidc_label", _label)
        if values.get("oidc_issuer") or not env.get("ARSNOVA_OIDC_ISSUER"):  # else: said above
            problems.extend(_oidc_problems(values))
        read("ARSNOVA_SMTP_URL", "smtp_url", _smtp_url)
        read("ARSNOVA_MAIL_FROM", "mail_from", _mail_from)
        read("ARSNOVA_ACCOUNTS", "accounts", _auto_bool)

        if values.get("smtp_url") and not values.get("mail_from"):
            problems.append("ARSNOVA_MAIL_FROM: required with ARSNOVA_SMTP_URL (the sender)")

        values["ldap"] = ldap_settings(env, problems)
        if values.get("metrics_port") is not None and values["metrics_port"] == values.get(
            "port", cls.port
        ):
            problems.append("ARSNOVA_METRICS_PORT: must differ from ARSNOVA_PORT")
        queue = values.get("overload_queue", cls.overload_queue)
        values.setdefault("overload_resume", queue // 2)
        if values["overload_resume"] >= queue:
            problems.append(
                f"ARSNOVA_OVERLOAD_RESUME: must be below ARSNOVA_OVERLOAD_QUEUE ({queue})"
            )
        if "db_name" not in values and values.get("mongodb_uri"):
            path = urlsplit(values["mongodb_uri"]).path.lstrip("/")
            if path:
                values["db_name"] = path
        if not values.get("secret"):
            if values.get("env") == "production":
                problems.append("ARSNOVA_SECRET: required when ARSNOVA_ENV=production")
            else:
                data_dir = values.get("data_dir", cls.data_dir)
                try:
                    values["secret"] = load_or_create_secret(data_dir)
                except OSError as exc:
                    problems.append(
                        f"ARSNOVA_DATA_DIR={str(data_dir)!r}: "
                        f"the data folder is not writable: {exc.strerror or exc}"
                    )
        if problems:
            raise SettingsError(problems)
        return cls(**values)


def _oidc_problems(values: dict[str, Any]) -> list[str]:
    """OIDC settings that only make sense together."""
    if not values.get("oidc_issuer"):
        stray = [name for name in ("client_id", "client_secret", "role_claim", "lecturer_values")
                 if values.get(f"oidc_{name}")]  # fmt: skip
        return [f"ARSNOVA_OIDC_{name.upper()}: set ARSNOVA_OIDC_ISSUER too" for name in stray]
    problems = [
        f"ARSNOVA_OIDC_{name.upper()}: required with ARSNOVA_OIDC_ISSUER"
        for name in ("client_id", "client_secret")
        if not values.get(f"oidc_{name}")
    ]
    if bool(values.get("oidc_role_claim")) != bool(values.get("oidc_lecturer_values")):
        problems.append(
            "ARSNOVA_OIDC_ROLE_CLAIM and ARSNOVA_OIDC_LECTURER_VALUES: set both or neither"
        )
    return problems


def load_or_create_secret(data_dir: Path) -> str:
    """Reads the development secret from the data folder, creating it once."""
    path = data_dir / SECRET_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret


def _non_empty(raw: str) -> str:
    if not raw.strip():
        raise ValueError("must not be empty")
    return raw.strip()


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _float_between(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("must be a number") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _choice(options: tuple[str, ...], upper: bool = False) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().upper() if upper else raw.strip().lower()
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return value

    return parse


def _transports(raw: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    if not names or not set(names) <= {"polling", "websocket"}:
        raise ValueError("must be polling, websocket or both, comma-separated")
    return names


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _auto_bool(raw: str) -> bool | None:
    return None if raw.strip().lower() == "auto" else _bool(raw)


def _smtp_url(raw: str) -> str:
    """`smtp://[user:password@]host[:port][?starttls=true|false]` or `smtps://…` (TLS at once)."""
    try:
        parts = urlsplit(raw.strip())
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("must be smtp://[user:password@]host[:port] or smtps://…")
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name != "starttls" or value.lower() not in ("true", "false"):
            raise ValueError("the only query parameter is starttls=true or starttls=false")
    return raw.strip()


def _mail_from(raw: str) -> str:
    """An address, or `Name <address>`, on one line."""
    value = raw.strip()
    _name, address = parseaddr(value)
    if "\n" in value or "\r" in value or "@" not in address:
        raise ValueError("must be an e-mail address, or Name <address>")
    return value


def _web_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s):// URL")
    return raw.strip()


def _networks(raw: str) -> tuple[str, ...]:
    networks = tuple(part.strip() for part in raw.split(",") if part.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValueError(f"{network!r} is not an IP address or network") from None
    return networks


def _hosts(raw: str) -> tuple[str, ...]:
    hosts = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    for host in hosts:
        if not HOST_NAME.fullmatch(host):
            raise ValueError(f"{host!r} is not a host name (no scheme, path or port)")
    return hosts


def _mongodb_uri(raw: str) -> str:
    if not raw.startswith(("mongodb://", "mongodb+srv://")):
        raise ValueError("must start with mongodb:// or mongodb+srv://")
    return raw


def _millis_between(low: int, high: int) -> Callable[[str], float]:
    """Milliseconds on the outside, seconds inside."""
    parse_int = _int_between(low, high)
    return lambda raw: parse_int(raw) / 1000


def _http_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
        raise ValueError("must be an http(s):// or ws(s):// URL")
    return raw.strip().rstrip("/")


def _db_name(raw: str) -> str:
    if not raw or any(c in raw for c in '/\\. "$') or len(raw) > 63:
        raise ValueError('must be a MongoDB database name without / \\ . space " or $')
    return raw


def _redis_url(raw: str) -> str:
    if urlsplit(raw).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("must be a redis://, rediss:// or unix:// URL")
    return raw


def _secret(raw: str) -> str:
    if len(raw) < MIN_SECRET_LENGTH:
        raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
    return raw


def _metrics_token(raw: str) -> str:
    if len(raw) < MIN_METRICS_TOKEN_LENGTH:
        raise ValueError(f"must be at least {MIN_METRICS_TOKEN_LENGTH} characters")
    return raw


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(_origin(part) for part in raw.split(",") if part.strip())


def _origin(raw: str) -> str:
    """`scheme://host[:port]`, as browsers send it in `Origin` (a trailing slash is dropped)."""
    origin = raw.strip().rstrip("/")
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path
        or "?" in origin
        or "#" in origin
    ):
        shape = "scheme://host[:port], no path, query or fragment"
        raise ValueError(f"{origin!r} is not an http(s) origin ({shape})")
    return origin


def _issuer(raw: str) -> str:
    """An OpenID issuer: https, or http on this machine (a provider in a test or a tunnel)."""
    issuer = raw.strip()
    try:
        parts = urlsplit(issuer)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError("must be an https:// URL") from None
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if (
        not parts.hostname
        or parts.scheme not in (("https", "http") if local else ("https",))
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ValueError("must be an https:// URL, no query or fragment (http on localhost only)")
    return issuer


def _scopes(raw: str) -> tuple[str, ...]:
    scopes = tuple(dict.fromkeys(raw.replace(",", " ").split()))
    if "openid" not in scopes:
        raise ValueError("must include openid")
    if any(not re.fullmatch(r"[\x21\x23-\x5b\x5d-\x7e]+", scope) for scope in scopes):
        raise ValueError("scopes are printable ASCII without quotes or backslashes")
    return scopes


def _claim_name(raw: str) -> str:
    name = raw.strip()
    if not re.fullmatch(r"[A-Za-z0-9_:./-]{1,100}", name):
        raise ValueError("must be a claim name (letters, digits, _ : . / -)")
    return name


def _label(raw: str) -> str:
    label = raw.strip()
    if not label or len(label) > 60 or not label.isprintable():
        raise ValueError("must be 1 to 60 printable characters")
    return label


def _names(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _command(raw: str) -> tuple[str, ...]:
    try:
        parts = tuple(shlex.split(raw))
    except ValueError as exc:
        raise ValueError(f"cannot be parsed: {exc}") from None
    if not parts:
        raise ValueError("must not be empty")
    return parts


LDAP_SCHEMES = ("ldap", "ldaps")
LDAP_ATTRIBUTE = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")


@dataclass(frozen=True)
class LdapSettings:
    """The `ldap` login type (arsnova/ldap.py): where the directory is and how users are found.

    `user_filter` holds `{user}`, replaced by the typed name escaped for a
    filter. Lecturers are the members of `lecturer_group` (by its
    `group_member_attribute`, holding the user's DN) or the users that
    `lecturer_filter` matches (tested on their own entry); with neither, the
    login carries no role.
    """

    url: str
    search_base: str
    start_tls: bool = False
    ca_file: Path | None = None
    bind_dn: str | None = None
    bind_password: str | None = field(default=None, repr=False)
    user_filter: str = "(uid={user})"
    user_attribute: str = "uid"
    lecturer_group: str | None = None
    group_member_attribute: str = "member"
    lecturer_filter: str | None = None
    timeout: int = 5  # seconds, for connecting and for each answer (ldap3 takes whole seconds)
    label: str = "University account"

    @property
    def maps_roles(self) -> bool:
        return self.lecturer_group is not None or self.lecturer_filter is not None


def ldap_settings(env: Mapping[str, str], problems: list[str]) -> LdapSettings | None:
    """ARSNOVA_LDAP_*, or None without ARSNOVA_LDAP_URL (the `ldap` login type is off)."""
    values: dict[str, Any] = {}

    def read(name: str, attr: str, parse: Callable[[str], Any]) -> None:
        raw = env.get("ARSNOVA_LDAP_" + name)
        if raw is None or raw == "":
            return
        try:
            values[attr] = parse(raw)
        except ValueError as exc:
            shown = "***" if attr == "bind_password" else repr(raw)
            problems.append(f"ARSNOVA_LDAP_{name}={shown}: {exc}")

    read("URL", "url", _ldap_url)
    read("SEARCH_BASE", "search_base", _non_empty)
    read("STARTTLS", "start_tls", _bool)
    read("CA_FILE", "ca_file", _readable_file)
    read("BIND_DN", "bind_dn", _non_empty)
    read("BIND_PASSWORD", "bind_password", str)
    read("USER_FILTER", "user_filter", _ldap_user_filter)
    read("USER_ATTRIBUTE", "user_attribute", _ldap_attribute)
    read("LECTURER_GROUP", "lecturer_group", _non_empty)
    read("GROUP_MEMBER_ATTRIBUTE", "group_member_attribute", _ldap_attribute)
    read("LECTURER_FILTER", "lecturer_filter", _ldap_filter)
    read("TIMEOUT_S", "timeout", _int_between(1, 60))
    read("LABEL", "label", _non_empty)
    if "url" not in values:
        if env.get("ARSNOVA_LDAP_URL"):
            return None  # reported above
        others = sorted(name for name in env if name.startswith("ARSNOVA_LDAP_") and env[name])
        if others:
            problems.append(f"ARSNOVA_LDAP_URL: required when {', '.join(others)} is set")
        return None
    if "search_base" not in values:
        problems.append("ARSNOVA_LDAP_SEARCH_BASE: required when ARSNOVA_LDAP_URL is set")
    if values.get("start_tls") and values["url"].startswith("ldaps:"):
        problems.append("ARSNOVA_LDAP_STARTTLS: an ldaps:// URL is TLS already")
    if ("bind_dn" in values) != ("bind_password" in values):
        problems.append("ARSNOVA_LDAP_BIND_DN and ARSNOVA_LDAP_BIND_PASSWORD: set both or neither")
    if "search_base" not in values:
        return None
    return LdapSettings(**values)


def _ldap_url(raw: str) -> str:
    """`ldap://host[:port]` or `ldaps://host[:port]`, nothing after (no base DN, no filter)."""
    url = raw.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in LDAP_SCHEMES
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path
        or parts.query
        or parts.fragment
    ):
        raise ValueError("must be ldap://host[:port] or ldaps://host[:port]")
    return url


def _ldap_attribute(raw: str) -> str:
    if not LDAP_ATTRIBUTE.fullmatch(raw.strip()):
        raise ValueError("must be an attribute name (letters, digits, hyphens)")
    return raw.strip()


def _ldap_filter(raw: str) -> str:
    """A parenthesised filter with balanced parentheses (the directory checks the rest).

    A literal parenthesis in a filter is escaped as `\\28`/`\\29`, so counting is enough.
    """
    text = raw.strip()
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0 or (depth == 0 and index != len(text) - 1):
                break
    else:
        if text.startswith("(") and depth == 0:
            return text
    raise ValueError("must be one LDAP filter in parentheses, such as (uid={user})")


def _ldap_user_filter(raw: str) -> str:
    text = _ldap_filter(raw)
    if "{user}" not in text:
        raise ValueError("must contain {user}, where the typed user name goes")
    return text


def _readable_file(raw: str) -> Path:
    path = Path(raw.strip())
    if not path.is_file() or not os.access(path, os.R_OK):
        raise ValueError("must be a readable file")
    return path
