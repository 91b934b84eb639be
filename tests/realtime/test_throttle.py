"""The coalescing of broadcasts, on its own: bounded sends, the final state never dropped."""

import asyncio
import uuid

from arsnova.metrics import Metrics
from arsnova.realtime.delivery.cluster import Cluster, RedisCluster
from arsnova.realtime.delivery.throttle import Throttle


async def test_burst_becomes_a_leading_and_a_trailing_send():
    state = {"value": 0}
    sent: list[int] = []

    async def send(key: str) -> None:
        sent.append(state["value"])

    throttle = Throttle("test", 0.05, send, Cluster(), Metrics())
    started = asyncio.get_running_loop().time()
    for value in range(1, 1001):
        state["value"] = value
        throttle.request("room")
        await asyncio.sleep(0)  # let the send task run, as between real requests
    burst = asyncio.get_running_loop().time() - started
    await asyncio.sleep(0.2)
    assert len(sent) <= burst / 0.05 + 2
    assert sent[0] < 1000 and sent[-1] == 1000
    assert not throttle.running


async def test_request_during_a_send_is_sent_again_afterwards():
    """A change that lands while a send is reading state must not be lost."""
    state = {"value": 0}
    sent: list[int] = []
    reading = asyncio.Event()

    async def send(key: str) -> None:
        value = state["value"]
        reading.set()
        await asyncio.sleep(0.02)
        sent.append(value)

    throttle = Throttle("test", 0.01, send, Cluster(), Metrics())
    throttle.request("room")
    await reading.wait()
    state["value"] = 7
    throttle.request("room")
    await asyncio.sleep(0.2)
    assert sent == [0, 7]


async def test_interval_zero_turns_coalescing_off():
    """Every request gets a send of its own, one after another (the benchmark's comparison)."""
    sent: list[int] = []

    async def send(key: str) -> None:
        await asyncio.sleep(0.001)
        sent.append(len(sent))

    throttle = Throttle("test", 0, send, Cluster(), Metrics())
    for _ in range(50):
        throttle.request("room")
    await asyncio.wait_for(asyncio.gather(*throttle.running.values()), 5)
    assert sent == list(range(50))


async def test_keys_are_independent_and_a_failing_send_does_not_stop_later_ones():
    sent: list[str] = []

    async def send(key: str) -> None:
        if key == "broken":
            raise RuntimeError("boom")
        sent.append(key)

    throttle = Throttle("test", 0.01, send, Cluster(), Metrics())
    for key in ("a", "broken", "b"):
        throttle.request(key)
    await asyncio.sleep(0.05)
    throttle.request("broken")
    throttle.request("a")
    await asyncio.sleep(0.05)
    assert sorted(sent) == ["a", "a", "b"]
    await throttle.close()
    assert not throttle.running


async def test_a_node_waiting_for_a_lock_sends_soon_after_the_holder_releases(redis_url):
    """It found the lock mid-send, when its time to live is the whole lease (10 s).

    A waiter that slept out that time to live missed the release (which shortens
    it to the rest of the interval): node A's broadcast of a student's join came
    10 s late, after node B's broadcast of the lecturer's.
    """
    prefix = f"arsnova:test_{uuid.uuid4().hex}:"
    holder, waiter = (RedisCluster(redis_url, prefix, Metrics()) for _ in range(2))
    try:
        await holder.acquire("users:1")
        waiting = asyncio.create_task(waiter.acquire("users:1"))
        await asyncio.sleep(0.05)  # the waiter has looked and found the lock taken
        assert not waiting.done()
        released = asyncio.get_running_loop().time()
        await holder.release("users:1", 0.05)
        async with asyncio.timeout(2):
            await waiting
        assert asyncio.get_running_loop().time() - released >= 0.04  # the hold is kept
    finally:
        await holder.redis.delete(prefix + "lock:users:1")
        await holder.close()
        await waiter.close()


async def test_a_node_releases_only_its_own_lock(redis_url):
    """A send that outlasted its lease must not shorten the lock another node took since."""
    prefix = f"arsnova:test_{uuid.uuid4().hex}:"
    late, holder = (RedisCluster(redis_url, prefix, Metrics()) for _ in range(2))
    name = prefix + "lock:users:1"
    try:
        await holder.acquire("users:1")
        await late.release("users:1", 0)
        assert await holder.redis.get(name) == holder.node.encode()
        assert await holder.redis.pttl(name) > 5_000
        await holder.release("users:1", 0)
        assert await holder.redis.exists(name) == 0
    finally:
        await holder.redis.delete(name)
        await holder.close()
        await late.close()
