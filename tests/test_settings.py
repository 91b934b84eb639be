from pathlib import Path

import pytest

from arsnova.settings import Settings, SettingsError


def load(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"ARSNOVA_DATA_DIR": str(tmp_path), **env})


def problems(tmp_path: Path, **env: str) -> list[str]:
    with pytest.raises(SettingsError) as info:
        load(tmp_path, **env)
    return info.value.problems


def test_defaults(tmp_path):
    settings = load(tmp_path)
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.mongodb_uri is None and settings.embedded
    assert settings.redis_url is None
    assert settings.max_body == 1024 * 1024
    assert settings.log_level == "INFO"
    assert settings.cors_origins == ()
    assert settings.public_url is None
    assert settings.db_name == "arsnova"
    assert settings.metrics_token is None and settings.metrics_port is None
    assert settings.metrics_networks == ("127.0.0.0/8", "::1/128")


def test_all_values_parsed(tmp_path):
    settings = load(
        tmp_path,
        ARSNOVA_HOST="0.0.0.0",
        ARSNOVA_PORT="9000",
        MONGODB_URI="mongodb://db1,db2/lectures?replicaSet=rs0",
        REDIS_URL="redis://127.0.0.1:6379/0",
        ARSNOVA_SECRET="s" * 40,
        ARSNOVA_CORS_ORIGINS="https://a.example, https://b.example/",
        ARSNOVA_LOG_LEVEL="debug",
        ARSNOVA_MAX_BODY="2048",
        ARSNOVA_EMBEDDED_COMMAND="/opt/venv/bin/python -m secantus",
        ARSNOVA_SOCKET_URL="https://rt.example/",
        ARSNOVA_PUBLIC_URL="http://192.168.1.20:8080/",
        ARSNOVA_FEEDBACK_TTL="120",
        ARSNOVA_FEEDBACK_SWEEP_INTERVAL="0.5",
        ARSNOVA_BROADCAST_INTERVAL_MS="250",
        ARSNOVA_USER_COUNT_INTERVAL_MS="2000",
        ARSNOVA_SOCKET_TOKEN_TTL="30",
        ARSNOVA_ACK_TIMEOUT="2.5",
        ARSNOVA_HEARTBEAT_INTERVAL="10",
        ARSNOVA_INACTIVITY_WARNING="120",
        ARSNOVA_EVENT_LOG_MAX_AGE="3600",
        ARSNOVA_EVENT_LOG_MAX_EVENTS="500",
        ARSNOVA_BIN_RETENTION="86400",
        ARSNOVA_REGISTRATION="false",
        ARSNOVA_ACTIVATION_TIMEOUT="30",
        ARSNOVA_DEFAULT_INDEX_URL="https://lms.example/home",
        ARSNOVA_INDEX_URL_ALLOWED="lms.example, Portal.Example.org",
        ARSNOVA_PLACE_GRACE="0",
        ARSNOVA_WS_COMPRESSION="true",
        ARSNOVA_SOCKET_TRANSPORTS="websocket",
        ARSNOVA_TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16",
        ARSNOVA_RATE_LIMITS="false",
        ARSNOVA_EVENTS_MAX_SUBSCRIPTIONS="5",
        ARSNOVA_JOIN_QUEUE="200",
        ARSNOVA_JOIN_TIMEOUT_S="90",
        ARSNOVA_METRICS_TOKEN="m" * 20,
        ARSNOVA_METRICS_NETWORKS="10.2.0.0/16, ::1",
        ARSNOVA_METRICS_PORT="9100",
        ARSNOVA_OVERLOAD_QUEUE="40",
        ARSNOVA_OVERLOAD_RESUME="10",
    )
    assert settings.host == "0.0.0.0" and settings.port == 9000
    assert not settings.embedded
    assert settings.db_name == "lectures"
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.log_level == "DEBUG"
    assert settings.max_body == 2048
    assert settings.embedded_command == ("/opt/venv/bin/python", "-m", "secantus")
    assert settings.secret == "s" * 40
    assert settings.socket_url == "https://rt.example"
    assert settings.public_url == "http://192.168.1.20:8080"
    assert settings.feedback_ttl == 120 and settings.feedback_sweep_interval == 0.5
    assert settings.broadcast_interval == 0.25 and settings.user_count_interval == 2.0
    assert (settings.socket_token_ttl, settings.ack_timeout, settings.heartbeat_interval) == (
        30,
        2.5,
        10,
    )
    assert settings.inactivity_warning == 120 and settings.bin_retention == 86400
    assert (settings.event_log_max_age, settings.event_log_max_events) == (3600, 500)
    assert settings.registration is False and settings.activation_timeout == 30
    assert settings.default_index_url == "https://lms.example/home"
    assert settings.index_url_allowed == ("lms.example", "portal.example.org")
    assert settings.place_grace == 0
    assert settings.ws_compression is True and settings.socket_transports == ("websocket",)
    assert settings.trusted_proxies == ("10.0.0.5", "10.1.0.0/16")
    assert settings.rate_limits is False
    assert settings.events_max_subscriptions == 5
    assert settings.join_queue == 200 and settings.join_timeout == 90
    assert settings.metrics_token == "m" * 20 and settings.metrics_port == 9100
    assert settings.metrics_networks == ("10.2.0.0/16", "::1")
    assert (settings.overload_queue, settings.overload_resume) == (40, 10)


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("ARSNOVA_PORT", "eighty", "whole number"),
        ("ARSNOVA_PORT", "70000", "between 0 and 65535"),
        ("MONGODB_URI", "postgres://x", "mongodb://"),
        ("REDIS_URL", "http://x", "redis://"),
        ("ARSNOVA_SECRET", "short", "at least 32"),
        ("ARSNOVA_CORS_ORIGINS", "not-an-origin", "not an http(s) origin"),
        ("ARSNOVA_CORS_ORIGINS", "https://a.example/path", "not an http(s) origin"),
        ("ARSNOVA_CORS_ORIGINS", "https://a.example?x=1", "not an http(s) origin"),
        ("ARSNOVA_PUBLIC_URL", "arsnova.example", "not an http(s) origin"),
        ("ARSNOVA_PUBLIC_URL", "ftp://arsnova.example", "not an http(s) origin"),
        ("ARSNOVA_PUBLIC_URL", "https://arsnova.example/lecture", "no path, query or fragment"),
        ("ARSNOVA_PUBLIC_URL", "https://arsnova.example/?x=1", "no path, query or fragment"),
        ("ARSNOVA_PUBLIC_URL", "https://arsnova.example#top", "no path, query or fragment"),
        ("ARSNOVA_PUBLIC_URL", "https://arsnova.example:99999", "not an http(s) origin"),
        ("ARSNOVA_PUBLIC_URL", "https://[::1", "not an http(s) origin"),
        ("ARSNOVA_LOG_LEVEL", "loud", "must be one of"),
        ("ARSNOVA_MAX_BODY", "-1", "between"),
        ("ARSNOVA_ENV", "staging", "must be one of"),
        ("ARSNOVA_DB_NAME", "a.b", "database name"),
        ("ARSNOVA_EMBEDDED_COMMAND", "'unclosed", "cannot be parsed"),
        ("ARSNOVA_SOCKET_URL", "rt.example", "URL"),
        ("ARSNOVA_FEEDBACK_TTL", "0", "between"),
        ("ARSNOVA_BROADCAST_INTERVAL_MS", "fast", "whole number"),
        ("ARSNOVA_SOCKET_TOKEN_TTL", "0", "between"),
        ("ARSNOVA_ACK_TIMEOUT", "never", "must be a number"),
        ("ARSNOVA_EVENT_LOG_MAX_EVENTS", "5", "between"),
        ("ARSNOVA_REGISTRATION", "maybe", "true or false"),
        ("ARSNOVA_DEFAULT_INDEX_URL", "/home", "absolute http(s)"),
        ("ARSNOVA_INDEX_URL_ALLOWED", "https://lms.example", "not a host name"),
        ("ARSNOVA_WS_COMPRESSION", "gzip", "true or false"),
        ("ARSNOVA_SOCKET_TRANSPORTS", "websocket,carrier-pigeon", "polling, websocket"),
        ("ARSNOVA_SOCKET_TRANSPORTS", " , ", "polling, websocket"),
        ("ARSNOVA_TRUSTED_PROXIES", "proxy.internal", "not an IP address or network"),
        ("ARSNOVA_EVENTS_MAX_SUBSCRIPTIONS", "0", "between"),
        ("ARSNOVA_JOIN_QUEUE", "-1", "between"),
        ("ARSNOVA_JOIN_TIMEOUT_S", "0", "between"),
        ("ARSNOVA_METRICS_TOKEN", "short", "at least 16"),
        ("ARSNOVA_METRICS_NETWORKS", "localhost", "not an IP address or network"),
        ("ARSNOVA_METRICS_PORT", "0", "between 1 and 65535"),
        ("ARSNOVA_OVERLOAD_QUEUE", "0", "between"),
    ],
)
def test_bad_value_is_one_clear_line(tmp_path, name, value, fragment):
    (line,) = problems(tmp_path, **{name: value})
    assert line.startswith(f"{name}={value!r}: ")
    assert fragment in line


def test_every_bad_value_reported_at_once(tmp_path):
    lines = problems(tmp_path, ARSNOVA_PORT="x", ARSNOVA_LOG_LEVEL="y", ARSNOVA_MAX_BODY="z")
    assert [line.split("=")[0] for line in lines] == [
        "ARSNOVA_PORT",
        "ARSNOVA_LOG_LEVEL",
        "ARSNOVA_MAX_BODY",
    ]


def test_production_requires_a_secret(tmp_path):
    (line,) = problems(tmp_path, ARSNOVA_ENV="production")
    assert line == "ARSNOVA_SECRET: required when ARSNOVA_ENV=production"
    assert not (tmp_path / "secret").exists()


def test_development_secret_generated_once_and_private(tmp_path):
    first = load(tmp_path).secret
    assert len(first) >= 32
    assert load(tmp_path).secret == first
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600


def test_explicit_db_name_wins_over_uri_path(tmp_path):
    settings = load(tmp_path, MONGODB_URI="mongodb://h/one", ARSNOVA_DB_NAME="two")
    assert settings.db_name == "two"


def test_overload_resume_defaults_to_half_the_queue_and_must_be_below_it(tmp_path):
    assert load(tmp_path, ARSNOVA_OVERLOAD_QUEUE="90").overload_resume == 45
    assert problems(tmp_path, ARSNOVA_OVERLOAD_QUEUE="90", ARSNOVA_OVERLOAD_RESUME="90") == [
        "ARSNOVA_OVERLOAD_RESUME: must be below ARSNOVA_OVERLOAD_QUEUE (90)"
    ]


def test_metrics_port_must_differ_from_the_port(tmp_path):
    assert problems(tmp_path, ARSNOVA_PORT="9000", ARSNOVA_METRICS_PORT="9000") == [
        "ARSNOVA_METRICS_PORT: must differ from ARSNOVA_PORT"
    ]


LDAP = {"ARSNOVA_LDAP_URL": "ldap://ldap.uni.example", "ARSNOVA_LDAP_SEARCH_BASE": "dc=uni"}


def test_ldap_is_off_unless_its_url_is_set(tmp_path):
    assert load(tmp_path).ldap is None
    assert problems(tmp_path, ARSNOVA_LDAP_SEARCH_BASE="dc=uni") == [
        "ARSNOVA_LDAP_URL: required when ARSNOVA_LDAP_SEARCH_BASE is set"
    ]


def test_ldap_settings_parsed(tmp_path):
    ldap = load(
        tmp_path,
        **LDAP,
        ARSNOVA_LDAP_STARTTLS="true",
        ARSNOVA_LDAP_BIND_DN="cn=arsnova,dc=uni",
        ARSNOVA_LDAP_BIND_PASSWORD="service secret",
        ARSNOVA_LDAP_USER_FILTER="(&(objectClass=person)(sAMAccountName={user}))",
        ARSNOVA_LDAP_USER_ATTRIBUTE="sAMAccountName",
        ARSNOVA_LDAP_LECTURER_GROUP="cn=staff,dc=uni",
        ARSNOVA_LDAP_GROUP_MEMBER_ATTRIBUTE="uniqueMember",
        ARSNOVA_LDAP_LECTURER_FILTER="(employeeType=staff)",
        ARSNOVA_LDAP_TIMEOUT_S="3",
        ARSNOVA_LDAP_LABEL="Campus login",
    ).ldap
    assert ldap is not None and ldap.url == "ldap://ldap.uni.example" and ldap.start_tls
    assert (ldap.bind_dn, ldap.bind_password) == ("cn=arsnova,dc=uni", "service secret")
    assert ldap.user_attribute == "sAMAccountName" and ldap.timeout == 3
    assert ldap.maps_roles and ldap.label == "Campus login"
    assert "service secret" not in repr(ldap)
    defaults = load(tmp_path, **LDAP).ldap
    assert defaults.user_filter == "(uid={user})" and not defaults.maps_roles


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("ARSNOVA_LDAP_URL", "http://ldap.uni.example", "ldap://host[:port]"),
        ("ARSNOVA_LDAP_URL", "ldap://ldap.uni.example/dc=uni??sub", "ldap://host[:port]"),
        ("ARSNOVA_LDAP_URL", "ldaps://:636", "ldap://host[:port]"),
        ("ARSNOVA_LDAP_USER_FILTER", "(uid=alice)", "must contain {user}"),
        ("ARSNOVA_LDAP_USER_FILTER", "uid={user}", "in parentheses"),
        ("ARSNOVA_LDAP_USER_FILTER", "(uid={user}))(", "in parentheses"),
        ("ARSNOVA_LDAP_LECTURER_FILTER", "(&(a=b)", "in parentheses"),
        ("ARSNOVA_LDAP_USER_ATTRIBUTE", "uid;binary", "attribute name"),
        ("ARSNOVA_LDAP_TIMEOUT_S", "0", "between"),
        ("ARSNOVA_LDAP_CA_FILE", "/no/such/file", "readable file"),
        ("ARSNOVA_LDAP_STARTTLS", "maybe", "true or false"),
    ],
)
def test_bad_ldap_value_is_one_clear_line(tmp_path, name, value, fragment):
    env = {**LDAP, name: value}
    (line,) = problems(tmp_path, **env)
    assert line.startswith(f"{name}={value!r}: ")
    assert fragment in line


def test_ldap_settings_that_do_not_go_together(tmp_path):
    assert problems(tmp_path, ARSNOVA_LDAP_URL="ldap://h") == [
        "ARSNOVA_LDAP_SEARCH_BASE: required when ARSNOVA_LDAP_URL is set"
    ]
    assert problems(tmp_path, **LDAP, ARSNOVA_LDAP_BIND_PASSWORD="secret") == [
        "ARSNOVA_LDAP_BIND_DN and ARSNOVA_LDAP_BIND_PASSWORD: set both or neither"
    ]
    ldaps = {**LDAP, "ARSNOVA_LDAP_URL": "ldaps://h"}
    assert problems(tmp_path, **ldaps, ARSNOVA_LDAP_STARTTLS="true") == [
        "ARSNOVA_LDAP_STARTTLS: an ldaps:// URL is TLS already"
    ]


OIDC = {
    "ARSNOVA_OIDC_ISSUER": "https://login.example.edu/realms/campus",
    "ARSNOVA_OIDC_CLIENT_ID": "arsnova",
    "ARSNOVA_OIDC_CLIENT_SECRET": "s3cret-from-the-provider",
}


def test_oidc_is_off_by_default_and_read_when_configured(tmp_path):
    assert load(tmp_path).oidc_issuer is None
    settings = load(
        tmp_path, **OIDC, ARSNOVA_OIDC_SCOPES="openid profile groups",
        ARSNOVA_OIDC_USERNAME_CLAIM="email", ARSNOVA_OIDC_ROLE_CLAIM="groups",
        ARSNOVA_OIDC_LECTURER_VALUES="/staff, lecturers", ARSNOVA_OIDC_LABEL="University login",
    )  # fmt: skip
    assert settings.oidc_issuer == "https://login.example.edu/realms/campus"
    assert settings.oidc_scopes == ("openid", "profile", "groups")
    assert (settings.oidc_username_claim, settings.oidc_role_claim) == ("email", "groups")
    assert settings.oidc_lecturer_values == {"/staff", "lecturers"}
    assert settings.oidc_label == "University login"
    assert "s3cret" not in repr(settings)
    defaults = load(tmp_path, **OIDC)
    assert defaults.oidc_scopes == ("openid", "profile", "email")
    assert defaults.oidc_username_claim == "preferred_username"
    assert defaults.oidc_role_claim is None and defaults.oidc_lecturer_values == frozenset()


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"ARSNOVA_OIDC_ISSUER": "http://login.example.edu"}, "ARSNOVA_OIDC_ISSUER="),
        ({"ARSNOVA_OIDC_ISSUER": "https://login.example.edu/?x=1"}, "no query"),
        ({"ARSNOVA_OIDC_CLIENT_SECRET": ""}, "ARSNOVA_OIDC_CLIENT_SECRET: required"),
        ({"ARSNOVA_OIDC_SCOPES": "profile email"}, "must include openid"),
        ({"ARSNOVA_OIDC_USERNAME_CLAIM": "user name"}, "claim name"),
        ({"ARSNOVA_OIDC_ROLE_CLAIM": "groups"}, "set both or neither"),
        ({"ARSNOVA_OIDC_LABEL": "x" * 61}, "1 to 60"),
    ],
)
def test_bad_oidc_settings_are_one_clear_line(tmp_path, env, fragment):
    found = problems(tmp_path, **{**OIDC, **env})
    assert len(found) == 1 and fragment in found[0], found


def test_oidc_settings_without_an_issuer_are_refused(tmp_path):
    found = problems(tmp_path, ARSNOVA_OIDC_CLIENT_ID="arsnova")
    assert found == ["ARSNOVA_OIDC_CLIENT_ID: set ARSNOVA_OIDC_ISSUER too"]


def test_oidc_over_http_only_on_this_machine(tmp_path):
    issuer = "http://127.0.0.1:9000"
    assert load(tmp_path, **{**OIDC, "ARSNOVA_OIDC_ISSUER": issuer}).oidc_issuer == issuer


def test_smtp_mail_and_accounts(tmp_path):
    settings = load(tmp_path)
    assert settings.smtp_url is None and settings.mail_from is None
    assert settings.accounts is None and not settings.accounts_enabled
    url = "smtp://user:p%40ss@mail.uni.example:587?starttls=true"
    settings = load(tmp_path, ARSNOVA_SMTP_URL=url, ARSNOVA_MAIL_FROM="ARSnova <a@uni.example>")
    assert settings.smtp_url == url and settings.accounts_enabled
    assert "p%40ss" not in repr(settings)
    assert not load(tmp_path, ARSNOVA_SMTP_URL=url, ARSNOVA_MAIL_FROM="a@uni.example",
                    ARSNOVA_ACCOUNTS="false").accounts_enabled  # fmt: skip
    assert load(tmp_path, ARSNOVA_ACCOUNTS="true").accounts_enabled
    assert load(tmp_path, ARSNOVA_ACCOUNTS="auto").accounts is None
    assert problems(tmp_path, ARSNOVA_SMTP_URL="smtps://mail.uni.example") == [
        "ARSNOVA_MAIL_FROM: required with ARSNOVA_SMTP_URL (the sender)"
    ]


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("ARSNOVA_SMTP_URL", "http://mail.uni.example", "must be smtp://"),
        ("ARSNOVA_SMTP_URL", "smtp://", "must be smtp://"),
        ("ARSNOVA_SMTP_URL", "smtp://mail.uni.example:99999", "must be smtp://"),
        ("ARSNOVA_SMTP_URL", "smtp://mail.uni.example?tls=1", "starttls=true or starttls=false"),
        ("ARSNOVA_MAIL_FROM", "nobody", "e-mail address"),
        ("ARSNOVA_ACCOUNTS", "maybe", "true or false"),
    ],
)
def test_bad_mail_settings_are_one_clear_line(tmp_path, name, value, fragment):
    env = {"ARSNOVA_MAIL_FROM": "a@uni.example"} if name == "ARSNOVA_SMTP_URL" else {}
    found = problems(tmp_path, **env, **{name: value})
    assert len(found) == 1 and found[0].startswith(name) and fragment in found[0], found
