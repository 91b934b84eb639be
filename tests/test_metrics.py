"""`/metrics` after a small lecture, who may read it, `/readyz` under load, the Grafana dashboard.

The counts are deltas between two scrapes around what the test did, so the
fixtures' own requests do not blur them. The module runs with Redis, so the
node coordination's round trips are measured too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from arsnova.app import create_app
from arsnova.keys import load_key
from tests.conftest import ADMIN_NAME, free_port
from tests.events.conftest import events_client, events_to, subscribe  # noqa: F401 (fixtures)
from tests.helpers import eventually
from tests.realtime.conftest import broadcasts_done, connect_socket  # noqa: F401 (a fixture)

DASHBOARD = Path(__file__).parent.parent / "deploy" / "grafana-dashboard.json"
METRIC_NAME = re.compile(r"\barsnova_[a-z0-9_]+")
# Only failures make these series; the dashboard may name them before any happened.
FAILURES_ONLY = {"arsnova_db_command_failures_total", "arsnova_db_pool_checkout_failures_total"}
TOKEN = "metrics-token-" + "t" * 20

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def settings(settings_with, redis_url):
    return settings_with(admins=frozenset({ADMIN_NAME}), redis_url=redis_url)


def parse(text: str) -> tuple[Samples, set[str]]:
    """The samples of a scrape by (name, labels), and the sample names each family declares."""
    samples: Samples = {}
    declared: set[str] = set()
    for family in text_string_to_metric_families(text):
        suffixes = {
            "counter": ("_total",),
            "histogram": ("_bucket", "_count", "_sum"),
        }.get(family.type, ("",))
        declared |= {family.name + suffix for suffix in suffixes}
        for sample in family.samples:
            samples[sample.name, frozenset(sample.labels.items())] = sample.value
    return samples, declared


async def scrape(client: TestClient | aiohttp.ClientSession, url: str = "/metrics") -> Samples:
    response = await client.get(url)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse(await response.text())[0]


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def small_lecture(owner, participant, keyword, connect, events_client) -> dict:  # noqa: F811
    """REST calls, a student's socket that joins and votes, an /events subscription, an export.

    Returns what the server answered where the test needs it.
    """
    for _ in range(2):
        assert (await participant.get(f"/session/{keyword}")).status == 200
    assert (await participant.get("/session/00000000")).status == 404
    assert (await participant.get("/no/such/page")).status == 404
    events = await events_client(participant)
    await subscribe(events, keyword)
    socket = await connect(participant)
    await socket.call("setSession", {"keyword": keyword})
    refused = await socket.call("setSession", {"keyword": "00000000"})
    await socket.call("setSession", {"keyword": keyword})
    assert await socket.call("setFeedback", {"sessionkey": keyword, "feedback": 1}) == {
        "feedback": 1
    }
    await events.wait_for_event("FeedbackChangedEvent")
    await broadcasts_done(owner.server.app)
    task = await (await owner.post(f"/session/{keyword}/export")).json()

    async def finished() -> bool:
        return (await (await owner.get(f"/task/{task['_id']}")).json())["status"] == "finished"

    await eventually(finished, what="the export finishes")
    return {"refusal": refused["error"]["code"], "events": events}


async def test_metrics_count_a_small_lecture(
    client,
    owner,
    participant,
    keyword,
    connect_socket,  # noqa: F811
    events_client,  # noqa: F811
):
    before = await scrape(client)
    answered = await small_lecture(owner, participant, keyword, connect_socket, events_client)

    async def acknowledged() -> bool:
        return value(await scrape(client), "arsnova_events_ack_seconds_count") >= 1

    await eventually(acknowledged, what="the server received the /events acknowledgements")

    async def export_done() -> bool:  # its job ends just after reporting "finished"
        return value(await scrape(client), "arsnova_tasks_running") == 0

    await eventually(export_done, what="the export's job ends")
    after = await scrape(client)

    def requests(method: str, route: str, status: int) -> float:
        labels = {"method": method, "route": route, "status": str(status)}
        return delta(before, after, "arsnova_http_requests_total", **labels)

    assert requests("GET", "/session/{keyword}", 200) == 2
    assert requests("GET", "/session/{keyword}", 404) == 1
    assert requests("GET", "unmatched", 404) == 1
    assert requests("POST", "/session/{keyword}/export", 202) == 1
    assert requests("GET", "/metrics", 200) >= 1  # the first scrape, at least
    assert not [labels for name, labels in after if name.startswith("arsnova_http") and any(
        key == "route" and value.startswith("/socket.io") for key, value in labels
    )]  # fmt: skip
    duration = delta(
        before,
        after,
        "arsnova_http_request_duration_seconds_count",
        method="GET",
        route="/session/{keyword}",
    )
    assert duration == 3

    assert value(after, "arsnova_sockets", namespace="/", transport="websocket") == 1
    assert value(after, "arsnova_sockets", namespace="/events", transport="websocket") == 1
    assert value(after, "arsnova_sockets", namespace="/", transport="polling") == 0
    assert delta(before, after, "arsnova_socket_connects_total", namespace="/") == 1
    assert delta(before, after, "arsnova_socket_connects_total", namespace="/events") == 1
    assert delta(before, after, "arsnova_joins_total", namespace="/") == 2
    assert delta(before, after, "arsnova_joins_total", namespace="/events") == 1
    assert delta(before, after, "arsnova_join_seconds_count", namespace="/") == 2
    refusal = {"namespace": "/", "event": "join", "code": answered["refusal"]}
    assert delta(before, after, "arsnova_refusals_total", **refusal) == 1

    assert delta(before, after, "arsnova_broadcast_requests_total", kind="feedback") == 1
    assert delta(before, after, "arsnova_broadcast_sends_total", kind="feedback") == 1
    assert delta(before, after, "arsnova_broadcast_send_seconds_count", kind="feedback") == 1
    assert delta(before, after, "arsnova_broadcast_seconds_count", event="feedbackData") == 1
    assert delta(before, after, "arsnova_deliveries_total") >= 3  # feedbackData and its aliases
    assert delta(before, after, "arsnova_delivery_seconds_count") >= 3

    received = answered["events"].of("EventsMessage")
    assert delta(before, after, "arsnova_events_message_events_count") == len(received)
    events_sent = sum(len(message["events"]) for message in received)
    assert delta(before, after, "arsnova_events_message_events_sum") == events_sent
    assert value(after, "arsnova_events_ack_timeouts_total") == 0

    assert delta(before, after, "arsnova_db_command_seconds_count", command="find") > 0
    assert delta(before, after, "arsnova_db_pool_wait_seconds_count") > 0
    assert value(after, "arsnova_db_pool_waiting") == 0
    assert delta(before, after, "arsnova_redis_seconds_count", command="pipeline") > 0
    assert delta(before, after, "arsnova_task_reports_total", kind="export", status="finished") == 1
    assert value(after, "arsnova_ready") == 1
    assert value(after, "arsnova_load_queue_depth") == 0


async def test_dashboard_names_only_metrics_that_are_served(
    client,
    owner,
    participant,
    keyword,
    connect_socket,  # noqa: F811
    events_client,  # noqa: F811
):
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", ())
    ]
    assert len(expressions) >= 11
    await small_lecture(owner, participant, keyword, connect_socket, events_client)
    response = await client.get("/metrics")
    samples, declared = parse(await response.text())
    served = {name for name, _labels in samples}
    missing = []
    for title, expression in expressions:
        for name in METRIC_NAME.findall(expression):
            if name not in declared or (name not in served and name not in FAILURES_ONLY):
                missing.append((title, name))
    assert missing == []


async def test_metrics_are_for_the_configured_networks_only(start_server, aiohttp_client):
    client = await aiohttp_client(await start_server(metrics_networks=("10.0.0.0/8",)))
    response = await client.get("/metrics")
    assert response.status == 403
    assert (await response.json())["code"] == "network-not-allowed"


async def test_behind_a_proxy_the_clients_own_address_counts(start_server, aiohttp_client):
    client = await aiohttp_client(await start_server(trusted_proxies=("127.0.0.0/8",)))
    forwarded = {"X-Forwarded-Proto": "https"}
    outside = await client.get("/metrics", headers={**forwarded, "X-Forwarded-For": "203.0.113.9"})
    assert outside.status == 403
    inside = await client.get("/metrics", headers={**forwarded, "X-Forwarded-For": "127.0.0.1"})
    assert inside.status == 200


async def test_metrics_token_is_required_when_set(start_server, aiohttp_client):
    client = await aiohttp_client(await start_server(metrics_token=TOKEN))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = await client.get("/metrics", headers=headers)
        assert response.status == 401, headers
        assert (await response.json())["code"] == "invalid-token"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "arsnova_sockets" in await scrape_text(client, {"Authorization": f"Bearer {TOKEN}"})


async def scrape_text(client: Any, headers: dict[str, str], url: str = "/metrics") -> str:
    response = await client.get(url, headers=headers)
    assert response.status == 200, await response.text()
    return await response.text()


async def test_metrics_port_serves_them_instead_of_the_public_port(start_server, aiohttp_client):
    port = free_port()
    server: TestServer = await start_server(metrics_port=port, metrics_token=TOKEN)
    public = await aiohttp_client(server)
    assert (await public.get("/metrics")).status == 404
    assert (await public.get("/healthz")).status == 200
    url = f"http://127.0.0.1:{port}/metrics"
    async with aiohttp.ClientSession() as scraper:
        assert (await scraper.get(url)).status == 401
        text = await scrape_text(scraper, {"Authorization": f"Bearer {TOKEN}"}, url)
    samples, _declared = parse(text)
    labels = {"method": "GET", "route": "/healthz", "status": "200"}
    assert value(samples, "arsnova_http_requests_total", **labels) == 1


async def test_readyz_turns_away_above_the_queue_limit_and_back_only_below_the_lower_one(
    settings_with, aiohttp_client
):
    app = create_app(settings_with(overload_queue=10, overload_resume=4))
    client = await aiohttp_client(app)
    queue = app[load_key]  # the node's admission queue; no join runs here to change it
    seen = []
    for depth in (0, 10, 11, 30, 7, 5, 4, 7, 10, 11, 4):
        queue.waiting = depth
        response = await client.get("/readyz")
        seen.append(response.status)
        if response.status == 503:
            assert (await response.json())["code"] == "overloaded"
            assert response.headers["Retry-After"] == "5"
        samples = await scrape(client)
        assert value(samples, "arsnova_load_queue_depth") == depth
        assert value(samples, "arsnova_ready") == (response.status == 200)
    assert seen == [200, 200, 503, 503, 503, 503, 200, 200, 200, 503, 200]
