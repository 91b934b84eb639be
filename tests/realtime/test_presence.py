"""The socket registry in the database: stale sockets of dead nodes, clean shutdown."""

from datetime import UTC, datetime, timedelta

import pytest

from arsnova.app import create_app
from arsnova.keys import node_key
from arsnova.realtime.maintenance import refresh_presence


@pytest.fixture
def settings(settings_with, redis_url):
    """Several nodes' settings (Redis): the socket registry is the database's, which these
    tests read (one process alone keeps it in memory: tests/realtime/test_local_sockets.py)."""
    return settings_with(redis_url=redis_url)


async def test_sockets_of_a_dead_node_are_dropped_and_counts_corrected(
    app, db, owner, keyword, joined
):
    lecturer = await joined(owner, keyword)
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    await db.sockets.insert_many([
        {"_id": f"ghost{n}", "node": "dead-node", "user": f"Ghost{n}", "user_type": "guest",
         "keyword": keyword, "address": "10.0.0.1", "seen_at": long_ago}
        for n in range(3)
    ])  # fmt: skip
    await refresh_presence(app)
    assert await lecturer.wait_for("activeUserCountData", lambda count: count == 1)
    assert await db.sockets.count_documents({"node": "dead-node"}) == 0
    assert await db.sockets.count_documents({"node": app[node_key]}) == 1


async def test_a_clean_shutdown_forgets_the_nodes_sockets(aiohttp_server, settings, db):
    """Even sockets whose disconnect was never handled are removed when the node stops."""
    app = create_app(settings)
    server = await aiohttp_server(app)
    await db.sockets.insert_one({
        "_id": "lost", "node": app[node_key], "user": "Guest" + "0" * 20, "user_type": "guest",
        "keyword": "12345678", "address": "127.0.0.1", "seen_at": datetime.now(UTC),
    })  # fmt: skip
    await server.close()
    assert await db.sockets.count_documents({"node": app[node_key]}) == 0


async def test_a_live_nodes_sockets_stay_whatever_their_age(app, db, owner, keyword, joined):
    """A node marks itself alive, not each socket: old sockets of a live node are kept,
    and a dead node's socket is only dropped once it is older than the cut-off itself."""
    await joined(owner, keyword)
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    await db.sockets.update_many({"node": app[node_key]}, {"$set": {"seen_at": long_ago}})
    await db.sockets.insert_one({
        "_id": "justarrived", "node": "starting-node", "user": "Guest1", "user_type": "guest",
        "keyword": keyword, "address": "10.0.0.1", "seen_at": datetime.now(UTC),
    })  # fmt: skip
    await db.socket_nodes.insert_one({"_id": "dead-node", "seen_at": long_ago})
    await refresh_presence(app)
    await refresh_presence(app)  # rewrites one document, not one per socket
    assert await db.sockets.count_documents({"node": app[node_key]}) == 1
    assert await db.sockets.count_documents({"_id": "justarrived"}) == 1
    assert await db.socket_nodes.distinct("_id") == [app[node_key]]
