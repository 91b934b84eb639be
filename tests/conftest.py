"""Fixtures: one real MongoDB-wire server for the run, a fresh database per test.

The server is the embedded default (SecantusDB in a child process), or the
one at `MONGODB_URI` when that is set. Nothing here fakes the database.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher
from pymongo import AsyncMongoClient

from arsnova.app import create_app
from arsnova.auth import hash_token
from arsnova.embedded import EmbeddedServer
from arsnova.identity import GUEST_KEY_COOKIE, Identity
from arsnova.keys import providers_key, store_key
from arsnova.migrate import default_migrations_dir
from arsnova.services import accounts
from arsnova.settings import Settings, default_embedded_command
from arsnova.store.common import Clock
from arsnova.store.common import clock as app_clock
from tests.helpers import as_platform

# The `serve` fixture (a real `arsnova serve` process) lives beside its Serve class,
# `balanced` (nginx in front of `two_nodes`) beside its Nginx class, `slapd` (a real
# OpenLDAP server) in tests/ldap_server.py, the OpenID provider in tests/openid.py, the
# SMTP server in tests/mail.py.
pytest_plugins = [
    "tests.serve",
    "tests.balancer",
    "tests.ldap_server",
    "tests.openid",
    "tests.mail",
]

TEST_SECRET = "test-secret-" + "x" * 40
ADMIN_NAME = "Guest" + "ad" * 10
DEFAULT_REDIS_PORT = 6379


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_child(process: subprocess.Popen | None) -> None:
    """Stops a server the tests started: SIGTERM, SIGKILL if it is not gone within 10 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"]
        return
    server = EmbeddedServer(tmp_path_factory.mktemp("mongo"), default_embedded_command())
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[EmbeddedServer]:
    """A database server of this test's own, which the test stops, pauses or kills."""
    server = EmbeddedServer(tmp_path / "own-db", default_embedded_command())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis: `REDIS_URL`, the one on 127.0.0.1:6379, or a `redis-server` of our own."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    if port_open(DEFAULT_REDIS_PORT):
        yield f"redis://127.0.0.1:{DEFAULT_REDIS_PORT}/0"
        return
    if shutil.which("redis-server") is None:
        pytest.fail("the tests need Redis: install redis-server or set REDIS_URL")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not port_open(port):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


# Migrating a fresh database costs about 0.3 s, which across the suite is minutes;
# so databases that hold exactly the project's migrations are emptied after a test
# and handed to the next one instead of being dropped.
PROJECT_MIGRATIONS = frozenset(path.stem for path in default_migrations_dir().glob("[0-9]*.py"))
clean_databases: list[str] = []


@pytest.fixture
def db_name() -> str:
    if clean_databases:
        return clean_databases.pop()
    return f"test_{uuid.uuid4().hex[:16]}"


async def recycle(database) -> bool:
    """Empties a database migrated by the project alone (True), keeping its indexes."""
    names = set(await database.list_collection_names())
    recorded = set(await database.migrations.distinct("_id"))
    if recorded != PROJECT_MIGRATIONS:
        return False
    for name in names - {"migrations"}:
        await database[name].delete_many({})
    return True


@pytest.fixture
async def db(mongo_uri: str, db_name: str) -> AsyncIterator:
    """The test's own database, for checking what the server stored; emptied afterwards."""
    client: AsyncMongoClient = AsyncMongoClient(mongo_uri, tz_aware=True)
    try:
        yield client[db_name]
    finally:
        try:
            if await recycle(client[db_name]):
                clean_databases.append(db_name)
            else:
                await client.drop_database(db_name)
        finally:
            await client.close()


@pytest.fixture
def clock() -> Iterator[Clock]:
    """The application's clock: `clock.advance(seconds)` instead of waiting an expiry out.

    One clock for the process (`arsnova.store.common.clock`), so only servers in
    this process see it, not `serve`'s subprocess; set back after the test.
    """
    yield app_clock
    app_clock.reset()


def make_settings(mongo_uri: str, db_name: str, data_dir: Path, **overrides) -> Settings:
    values = {
        "mongodb_uri": mongo_uri,
        "db_name": db_name,
        "data_dir": data_dir,
        "secret": TEST_SECRET,
        "db_timeout_ms": 5000,
        # Many tests make bursts on purpose; tests/api/test_rate_limits.py turns limits on.
        "rate_limits": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_with(mongo_uri: str, db_name: str, db, tmp_path: Path):
    """Test settings with some values changed, on the test's own database."""

    def build(**overrides) -> Settings:
        return make_settings(mongo_uri, db_name, tmp_path, **overrides)

    return build


@pytest.fixture
def settings(settings_with) -> Settings:
    return settings_with(admins=frozenset({ADMIN_NAME}))


@pytest.fixture
def app(settings: Settings) -> web.Application:
    return create_app(settings)


@pytest.fixture
async def server(aiohttp_server, app: web.Application) -> TestServer:
    return await aiohttp_server(app)


@pytest.fixture
def start_server(aiohttp_server, settings_with) -> Callable[..., Awaitable[TestServer]]:
    """`await start_server(**overrides)`: a server of its own with some settings changed.

    On the test's database; for tests that need other settings than `server`'s,
    or several servers (nodes) at once.
    """

    async def start(**overrides: Any) -> TestServer:
        return await aiohttp_server(create_app(settings_with(**overrides)))

    return start


@pytest.fixture
async def client(aiohttp_client, server: TestServer) -> TestClient:
    """An anonymous HTTP client of the test's server."""
    return await aiohttp_client(server)


def guest_key(client: TestClient) -> str:
    """The guest key that a client's login left in its cookie jar."""
    keys = [cookie.value for cookie in client.session.cookie_jar if cookie.key == GUEST_KEY_COOKIE]
    assert keys, "this client holds no guest key"
    return keys[-1]


async def open_login_link(client: TestClient, name: str) -> None:
    """Logs `client` in as `name` the way an admin first does: a link of `arsnova login-link`."""
    token = secrets.token_urlsafe(32)
    until = datetime.now(UTC) + timedelta(minutes=5)
    await client.server.app[store_key].guests.create_link(hash_token(token), name, until)
    response = await client.get("/auth/link", params={"token": token}, allow_redirects=False)
    assert response.status == 302, await response.text()
    client.username = name


async def guest_login(
    client: TestClient, name: str | None = None, *, like: TestClient | None = None
) -> TestClient:
    """Logs a fresh HTTP client in as a guest (`name`'s, or `like`'s with its guest key)."""
    if like is not None:
        client.session.cookie_jar.update_cookies({GUEST_KEY_COOKIE: guest_key(like)})
    params = {"type": "guest", **({"user": name} if name else {})}
    response = await client.get("/auth/login", params=params)
    assert response.status == 200, await response.text()
    client.username = (await response.json())["username"]
    return client


@pytest.fixture
def login(aiohttp_client, server: TestServer):
    """Logs a guest in on a client of its own; `client.username` is the guest's name.

    `name` creates a guest of that name; `like=other` resumes other's guest
    with the key that other's browser holds, as a second tab or device would.
    """

    async def log_in(name: str | None = None, *, like: TestClient | None = None) -> TestClient:
        return await guest_login(await aiohttp_client(server), name, like=like)

    return log_in


@pytest.fixture
def login_to(aiohttp_client) -> Callable[..., Awaitable[TestClient]]:
    """`await login_to(server)`: like `login`, on a server other than `server`."""

    async def log_in(server: TestServer, name: str | None = None) -> TestClient:
        return await guest_login(await aiohttp_client(server), name)

    return log_in


# The roles of the authorization matrix, each an HTTP client with its own login.


@pytest.fixture
async def owner(login) -> TestClient:
    """The lecturer: `owner.lecture` is the lecture session (JSON) they created.

    (Not `owner.session`: that is TestClient's own aiohttp ClientSession.)
    """
    client = await login()
    response = await client.post("/session/", json={"name": "Physics I", "shortName": "PHY1"})
    assert response.status == 201
    client.lecture = await response.json()
    return client


@pytest.fixture
def keyword(owner: TestClient) -> str:
    return owner.lecture["keyword"]


@pytest.fixture
async def participant(login, keyword: str) -> TestClient:
    """A student who joined the owner's session (GET /session/{keyword})."""
    client = await login()
    assert (await client.get(f"/session/{keyword}")).status == 200
    return client


@pytest.fixture
async def stranger(login) -> TestClient:
    """Logged in, but never joined the owner's session."""
    return await login()


@pytest.fixture
async def admin(aiohttp_client, server: TestServer) -> TestClient:
    client = await aiohttp_client(server)
    await open_login_link(client, ADMIN_NAME)
    return client


@pytest.fixture
def anonymous(client: TestClient) -> TestClient:
    return client


@pytest.fixture
async def platform(client: TestClient, db) -> TestClient:
    """A learning platform's HTTP client; `platform.headers` carry its bearer token."""
    return await as_platform(client, db)


async def expect_error(response, status: int, code: str) -> dict:
    """Asserts the JSON error shape: status, stable code, a message, a request id."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert response.headers["X-Request-Id"]
    return body


@pytest.fixture
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2 with small parameters for account tests: the same code, a few ms a hash
    instead of ~100."""
    monkeypatch.setattr(accounts, "hasher", PasswordHasher(time_cost=1, memory_cost=64))
    accounts.dummy_hash.cache_clear()
    yield
    accounts.dummy_hash.cache_clear()


class CourseProvider:
    """Non-guest users, as a course login (CAS, OIDC) would make them."""

    name = "course"

    async def identify(self, request: web.Request, query: Mapping[str, str]) -> Identity:
        return Identity(query["user"], "ldap")


@pytest.fixture
async def course_student(app, aiohttp_client, server, keyword):
    """A participant logged in through a course provider (not a guest)."""
    app[providers_key]["course"] = CourseProvider()
    client = await aiohttp_client(server)
    response = await client.get("/auth/login", params={"type": "course", "user": "alice"})
    assert response.status == 200, await response.text()
    assert (await client.get(f"/session/{keyword}")).status == 200
    return client
