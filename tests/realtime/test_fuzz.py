"""Garbage on every socket event of `/`: error acknowledgements, never a crash.

While one socket sends malformed payloads (wrong types, missing fields, nested
junk, huge strings, unknown and reserved event names, floods), a
well-behaved client in the same session keeps voting and keeps getting its
counts; nothing is logged as an error and no traceback reaches a client.
(Binary payloads drop their socket: `tests/realtime/test_frames.py`.)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.helpers import assert_joined

HUGE = "x" * 600_000  # under the 1 MB packet limit: it reaches the handlers
NESTED: Any = []
for _ in range(100):
    NESTED = [{"a": NESTED}]
PAYLOADS: list[Any] = [
    None, 0, -1, 2**70, 1.5, float("inf"), True, "", "12345678", HUGE,
    [], [None], NESTED, {}, {"keyword": None}, {"keyword": 12.5}, {"keyword": ["1"]},
    {"keyword": {"$gt": ""}}, {"keyword": HUGE}, {"keyword": "1234567\n"},
    {"sessionkey": "x", "feedback": "2"}, {"feedback": 99}, {"feedback": -1},
    {"feedback": True}, {"sessionkey": {"$ne": None}, "feedback": 1},
    {str(n): n for n in range(1000)}, {"keyword": NESTED},
]  # fmt: skip
LEGACY_EVENTS = ["setSession", "setFeedback", "nonsense", "disconnect", "connect", "", "x" * 500]
LEGACY_EVENTS += ["lockVote", "unlockVote"]  # sent by the server only: from a client, unknown
ERROR_CODES = {
    "validation-failed", "unknown-event", "session-not-found", "not-in-session",
    "socket-not-bound", "too-many-requests", "bad-request",
}  # fmt: skip


@pytest.fixture(autouse=True)
def no_errors_logged(caplog) -> None:
    """A handler that failed unexpectedly logs an error (with its traceback): none may."""
    caplog.set_level(logging.WARNING)
    yield
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [logging.Formatter().format(r) for r in failures]


async def keep_voting(socket, keyword: str, stop: asyncio.Event) -> int:
    """A well-behaved student: votes and waits for its counts, again and again."""
    rounds = 0
    while not stop.is_set():
        value = rounds % 4
        ack = await socket.call("setFeedback", {"sessionkey": keyword, "feedback": value})
        assert ack == {"feedback": value}
        expected = [1 if index == value else 0 for index in range(4)]
        await socket.wait_for("feedbackData", lambda counts, e=expected: counts == e)
        rounds += 1
    return rounds


def assert_clean_ack(ack: Any) -> None:
    """An error acknowledgement with a known code and no traceback, or a normal result."""
    if isinstance(ack, dict) and "error" in ack:
        assert ack["error"]["code"] in ERROR_CODES, ack
        assert "Traceback" not in str(ack) and 'File "' not in str(ack)


async def test_garbage_on_every_legacy_event_never_hurts_a_good_client(
    participant, login, keyword, joined, connect_socket
):
    good = await joined(participant, keyword)
    stop = asyncio.Event()
    voter = asyncio.create_task(keep_voting(good, keyword, stop))
    vandal_login = await login()
    await vandal_login.get(f"/session/{keyword}")
    unbound = await connect_socket()  # no login at all
    bound = await connect_socket(vandal_login)
    acks = 0
    for socket in (unbound, bound):
        for event in LEGACY_EVENTS:
            for payload in PAYLOADS:
                if not socket.client.connected:
                    break
                try:
                    ack = await socket.client.call(event, payload, timeout=10)
                except TimeoutError:
                    ack = None  # reserved names are not events: no acknowledgement
                assert_clean_ack(ack)
                acks += 1
    stop.set()
    rounds = await asyncio.wait_for(voter, 30)
    assert acks > 300 and rounds >= 1
    # Still serving both after the fuzz.
    assert_joined(await bound.call("setSession", {"keyword": keyword}), keyword)
    assert (await participant.get("/readyz")).status == 200


async def test_a_flood_of_events_is_answered_in_order_and_others_go_on(
    participant, login, keyword, joined
):
    good = await joined(participant, keyword)
    flooder_login = await login()
    await flooder_login.get(f"/session/{keyword}")
    flooder = await joined(flooder_login, keyword)
    flood = [
        flooder.client.call("setFeedback", {"sessionkey": keyword, "feedback": n % 4}, timeout=60)
        for n in range(500)
    ]
    results = asyncio.gather(*flood)
    ack = await good.call("setFeedback", {"sessionkey": keyword, "feedback": 0})
    assert ack == {"feedback": 0}
    answered = await results
    assert answered[-1] == {"feedback": 3}  # handled in order: the last vote counts
    await good.wait_for("feedbackData", lambda counts: counts == [1, 0, 0, 1])
