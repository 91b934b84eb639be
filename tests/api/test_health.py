import asyncio

from arsnova.app import create_app
from tests.conftest import make_settings


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_when_database_answers(client):
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {"status": "ready"}


async def test_readyz_follows_the_database_without_app_restart(
    aiohttp_client, own_database, tmp_path
):
    settings = make_settings(own_database.uri, "ready", tmp_path, db_timeout_ms=500)
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/readyz")).status == 200

    process = own_database.process
    process.terminate()
    await asyncio.to_thread(process.wait)
    response = await client.get("/readyz")
    assert response.status == 503
    body = await response.json()
    assert body["code"] == "database-unavailable"
    assert (await client.get("/healthz")).status == 200

    await own_database.restart()
    for _ in range(50):
        response = await client.get("/readyz")
        if response.status == 200:
            break
        await asyncio.sleep(0.2)
    assert response.status == 200
