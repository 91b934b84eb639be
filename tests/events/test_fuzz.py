"""Garbage on the `/events` stream: error acknowledgements, and the connection goes on."""

from __future__ import annotations

import pytest

from tests.events.conftest import NAMESPACE, EventsClient
from tests.realtime.test_fuzz import PAYLOADS, no_errors_logged  # noqa: F401 (a fixture)

MESSAGE_TYPES = [
    "HeartbeatMessage", "SessionSubscriptionMessage", "SessionUnsubscriptionMessage",
    "AcknowledgementMessage", "EventsMessage", "Nonsense",
]  # fmt: skip
ERROR_CODES = {"unknown-message-type", "validation-failed", "session-not-found"}


async def test_garbage_on_the_events_stream_gets_error_acknowledgements(
    owner, keyword, events_client, server
):
    client: EventsClient = await events_client(owner)
    for message_type in MESSAGE_TYPES:
        for payload in PAYLOADS:
            junk = (
                {"type": message_type, "id": "x", **payload}
                if isinstance(payload, dict)
                else payload
            )
            await client.client.emit(message_type, junk, namespace=NAMESPACE)
    ack = await client.request("SessionSubscriptionMessage", keyword=keyword)
    assert "errorInfo" not in ack  # the connection still works
    errors = [
        m["errorInfo"]["code"] for m in client.of("AcknowledgementMessage") if "errorInfo" in m
    ]
    assert errors and set(errors) <= {"unknown-message-type", "validation-failed",
                                      "session-not-found", "too-many-requests"}  # fmt: skip

    # Events before authentication: a connection without a token is refused cleanly.
    anonymous = EventsClient()
    with pytest.raises(Exception, match="One or more namespaces failed to connect"):
        await anonymous.client.connect(
            str(server.make_url("/")), namespaces=[NAMESPACE], transports=["websocket"]
        )
    assert anonymous.refusal["code"] == "token-missing"
    await anonymous.close()
