"""Active users of a session: distinct users with a socket in it, on whichever node."""

import asyncio
import uuid

import pytest

from arsnova.metrics import Metrics
from arsnova.realtime.delivery import cluster as cluster_module
from arsnova.realtime.delivery.cluster import Cluster, RedisCluster
from tests.conftest import free_port

KEYWORD = "12345678"


@pytest.fixture
async def redis_nodes(redis_url):
    """Two in-process Redis cluster views of one deployment (a Redis prefix of their own)."""
    prefix = f"arsnova:test-{uuid.uuid4().hex}:"
    made = [RedisCluster(redis_url, prefix, Metrics()) for _ in range(2)]
    yield made
    async for key in made[0].redis.scan_iter(prefix + "*"):
        await made[0].redis.delete(key)
    for node in made:
        await node.close()


async def counts(*nodes: Cluster) -> list[int | None]:
    return [await node.active_users(KEYWORD) for node in nodes]


async def test_one_node_counts_users_not_tabs():
    node = Cluster()
    await node.enter(KEYWORD, "ann")
    await node.enter(KEYWORD, "ann")
    await node.enter(KEYWORD, "bob")
    assert await counts(node) == [2]
    await node.leave(KEYWORD, "ann")
    assert await counts(node) == [2]  # her other tab is still there
    await node.leave(KEYWORD, "ann")
    await node.leave(KEYWORD, "bob")
    assert await counts(node) == [0] and node.local_users == {}


async def test_users_are_counted_once_over_nodes(redis_nodes):
    a, b = redis_nodes
    await a.enter(KEYWORD, "ann")
    await b.enter(KEYWORD, "ann")  # the same student on her phone, held by the other node
    await b.enter(KEYWORD, "bob")
    await b.enter(KEYWORD, "bob")
    assert await counts(a, b) == [2, 2]
    await b.leave(KEYWORD, "bob")
    assert await counts(a, b) == [2, 2]
    await b.leave(KEYWORD, "bob")
    assert await counts(a, b) == [1, 1]
    await a.leave(KEYWORD, "ann")
    assert await counts(a, b) == [1, 1]  # still there on b
    await b.leave(KEYWORD, "ann")
    assert await counts(a, b) == [0, 0]
    assert await counts(a) == [0] and await a.active_users("87654321") == 0


async def test_a_dead_nodes_users_drop_out_when_its_lease_ends(redis_nodes, monkeypatch):
    monkeypatch.setattr(cluster_module, "PRESENCE_LEASE_MS", 1500)
    alive, dead = redis_nodes
    await alive.enter(KEYWORD, "ann")
    await dead.enter(KEYWORD, "bob")
    assert await counts(alive) == [2]
    for _ in range(6):  # only the live node refreshes
        await asyncio.sleep(0.5)
        await alive.refresh()
    assert await counts(alive) == [1]


async def test_a_refresh_restores_what_redis_lost(redis_nodes):
    a, b = redis_nodes
    await a.enter(KEYWORD, "ann")
    await b.enter(KEYWORD, "bob")
    await a.redis.flushdb()  # a Redis restart without persistence
    assert await counts(a) == [0]
    await a.refresh()
    await b.refresh()
    assert await counts(a, b) == [2, 2]


async def test_without_redis_the_count_is_unknown_and_nothing_fails():
    node = RedisCluster(f"redis://127.0.0.1:{free_port()}/0", "arsnova:nowhere:", Metrics())
    try:
        await node.enter(KEYWORD, "ann")
        assert await counts(node) == [None]  # the broadcaster then counts in the database
        await node.refresh()
        await node.leave(KEYWORD, "ann")
    finally:
        await node.close()


@pytest.fixture
def settings(settings_with):
    return settings_with(broadcast_interval=0.01, user_count_interval=0.5)


async def test_a_hall_joining_at_once_costs_one_count_per_interval(
    owner, keyword, login, joined, connect_socket
):
    """The count goes to every socket in the session: it has an interval of its own."""
    lecturer = await joined(owner, keyword)
    students = await asyncio.gather(*(login() for _ in range(30)))
    sockets = await asyncio.gather(*(connect_socket(s) for s in students))
    started = asyncio.get_running_loop().time()
    acks = await asyncio.gather(*(s.call("setSession", {"keyword": keyword}) for s in sockets))
    assert all(ack["keyword"] == keyword for ack in acks), acks
    await lecturer.wait_for("activeUserCountData", lambda count: count == 31)
    elapsed = asyncio.get_running_loop().time() - started
    counts = lecturer.events("activeUserCountData")
    assert len(counts) <= elapsed / 0.5 + 2, (counts, elapsed)
    assert counts == sorted(counts)  # never an older count last
