"""`arsnova user create/activate/reset-password`: accounts for servers that send no e-mail.

Real subprocesses on the test's database; the accounts they make log in to a
server with `ARSNOVA_ACCOUNTS=true` and no SMTP.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from arsnova.app import create_app
from tests.conftest import expect_error

EMAIL = "lecturer@uni.example"
PASSWORD = "a long enough password"


@pytest.fixture
def user_cli(mongo_uri, db_name, db, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("ARSNOVA_")}
    env.update(MONGODB_URI=mongo_uri, ARSNOVA_DB_NAME=db_name, ARSNOVA_DATA_DIR=str(tmp_path))

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "arsnova", "user", *args],
            env=env, input=stdin, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    return run


@pytest.fixture
async def client(aiohttp_client, settings_with):
    return await aiohttp_client(create_app(settings_with(accounts=True)))


async def sign_in(client, password=PASSWORD):
    body = {"type": "arsnova", "user": EMAIL, "password": password}
    return await client.post("/auth/login", json=body)


async def test_create_then_sign_in(user_cli, client, db):
    result = user_cli("create", "Lecturer@Uni.Example", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"created and activated {EMAIL}"
    assert PASSWORD not in result.stdout + result.stderr
    response = await sign_in(client)
    assert response.status == 200
    assert await response.json() == {"username": EMAIL, "type": "arsnova"}
    again = user_cli("create", EMAIL, stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "has an account already" in again.stderr
    stored = await db.accounts.find_one({"email": EMAIL})
    assert stored["password_hash"].startswith("$argon2id$")


async def test_reset_password_ends_the_logins(user_cli, client):
    assert user_cli("create", EMAIL, stdin=PASSWORD + "\n").returncode == 0
    assert (await sign_in(client)).status == 200
    result = user_cli("reset-password", EMAIL, stdin="another long password\n")
    assert result.returncode == 0, result.stderr
    await expect_error(await client.get("/auth/"), 401, "login-required")
    await expect_error(await sign_in(client), 401, "wrong-credentials")
    assert (await sign_in(client, "another long password")).status == 200


async def test_activate_an_account_registered_on_the_pages(user_cli, client, db):
    assert user_cli("create", EMAIL, stdin=PASSWORD + "\n").returncode == 0
    await db.accounts.update_one({"email": EMAIL}, {"$set": {"activated": False}})
    await expect_error(await sign_in(client), 403, "account-not-activated")
    result = user_cli("activate", EMAIL)
    assert result.returncode == 0, result.stderr
    assert (await sign_in(client)).status == 200


def test_refusals(user_cli):
    short = user_cli("create", EMAIL, stdin="short\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    assert user_cli("create", "not-an-address", stdin=PASSWORD + "\n").returncode == 2
    for command in ("activate", "reset-password"):
        missing = user_cli(command, "nobody@uni.example", stdin=PASSWORD + "\n")
        assert missing.returncode == 1 and "has no account" in missing.stderr
    assert user_cli("create", EMAIL, PASSWORD).returncode == 2  # no password on the command line
