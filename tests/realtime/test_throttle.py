"""The coalescing of broadcasts, on its own: bounded sends, the final state never dropped."""

import asyncio

from arsnova.realtime.cluster import Cluster
from arsnova.realtime.throttle import Throttle


async def test_burst_becomes_a_leading_and_a_trailing_send():
    state = {"value": 0}
    sent: list[int] = []

    async def send(key: str) -> None:
        sent.append(state["value"])

    throttle = Throttle("test", 0.05, send, Cluster())
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

    throttle = Throttle("test", 0.01, send, Cluster())
    throttle.request("room")
    await reading.wait()
    state["value"] = 7
    throttle.request("room")
    await asyncio.sleep(0.2)
    assert sent == [0, 7]


async def test_keys_are_independent_and_a_failing_send_does_not_stop_later_ones():
    sent: list[str] = []

    async def send(key: str) -> None:
        if key == "broken":
            raise RuntimeError("boom")
        sent.append(key)

    throttle = Throttle("test", 0.01, send, Cluster())
    for key in ("a", "broken", "b"):
        throttle.request(key)
    await asyncio.sleep(0.05)
    throttle.request("broken")
    throttle.request("a")
    await asyncio.sleep(0.05)
    assert sorted(sent) == ["a", "a", "b"]
    await throttle.close()
    assert not throttle.running
