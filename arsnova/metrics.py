"""Every Prometheus metric of the server, in one registry per app (`GET /metrics`).

The metrics are defined here and nowhere else; the code they measure makes one
small call each (`metrics.joins.labels(...).inc()`, a decorator, a listener).
Counts of things that exist right now (sockets, queued joins, unacknowledged
`/events` messages) are `Sampled`: read from their owner when scraped, so no
increment can be missed and no decrement doubled. Each app has a registry of
its own: the tests run many apps in one process, and two `arsnova serve`
workers are two processes anyway (each reports itself).

Label values come from bounded sets only (route templates, event names,
error codes, command names), never from URLs, keywords or users.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from arsnova.errors import ArsnovaError
from arsnova.keys import metrics_key
from arsnova.store import translate_errors

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")

SOCKETIO_ROUTE = "/socket.io/"  # sockets are counted as sockets, not as (long) requests
UNMATCHED = "unmatched"  # requests no route matched (404, 405): one label for all of them
# Seconds. Joins may wait in a queue for tens of seconds in a full hall.
JOIN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500)


class Sampled(Collector):
    """A gauge whose values are read from their owner at each scrape.

    `read` returns {label values: value}; until an owner sets it, there are no
    samples (the metric is still listed, so dashboards find its name).
    """

    def __init__(
        self, registry: CollectorRegistry, name: str, documentation: str, labels: tuple[str, ...]
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labels = labels
        self.read: Callable[[], Mapping[tuple[str, ...], float]] = dict
        registry.register(self)

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=list(self.labels))
        for values, value in self.read().items():
            family.add_metric(list(values), value)
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()

        def counter(name: str, documentation: str, *labels: str) -> Counter:
            return Counter(name, documentation, labels, registry=registry)

        def histogram(
            name: str, documentation: str, *labels: str, buckets: tuple[float, ...]
        ) -> Histogram:
            return Histogram(name, documentation, labels, registry=registry, buckets=buckets)

        # HTTP
        self.http_requests = counter(
            "arsnova_http_requests",
            "HTTP requests answered, by route template and status",
            "method", "route", "status",
        )  # fmt: skip
        self.http_seconds = histogram(
            "arsnova_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            "method", "route",
            buckets=Histogram.DEFAULT_BUCKETS,
        )  # fmt: skip
        # Sockets, joins and refusals
        self.sockets = Sampled(
            registry, "arsnova_sockets", "Connected sockets", ("namespace", "transport")
        )
        self.connects = counter(
            "arsnova_socket_connects", "Socket connections accepted", "namespace"
        )
        self.joins = counter(
            "arsnova_joins",
            "Sessions joined: setSession on /, SessionSubscriptionMessage on /events",
            "namespace",
        )
        self.join_seconds = histogram(
            "arsnova_join_seconds",
            "Time from a join's arrival to its acknowledgement (waiting included)",
            "namespace",
            buckets=JOIN_BUCKETS,
        )
        self.refusals = counter(
            "arsnova_refusals",
            "Connects and joins refused, by error code",
            "namespace", "event", "code",
        )  # fmt: skip
        # Broadcasts
        self.broadcast_requests = counter(
            "arsnova_broadcast_requests",
            "Requests for a coalesced broadcast; those beyond the sends were coalesced",
            "kind",
        )
        self.sends = counter("arsnova_broadcast_sends", "Coalesced broadcasts sent", "kind")
        self.send_seconds = histogram(
            "arsnova_broadcast_send_seconds",
            "Time of one coalesced broadcast: reading the state and handing it out",
            "kind",
            buckets=FAST_BUCKETS,
        )
        self.emit_seconds = histogram(
            "arsnova_broadcast_seconds",
            "Time to hand one event to a room of /: queued for every socket here, or published",
            "event",
            buckets=FAST_BUCKETS,
        )
        self.deliveries = counter(
            "arsnova_deliveries", "Packets queued for sockets of this node by room emits"
        )
        self.delivery_seconds = histogram(
            "arsnova_delivery_seconds",
            "Time to queue one room emit for all its sockets on this node",
            buckets=FAST_BUCKETS,
        )
        # /events
        self.events_batch = histogram(
            "arsnova_events_message_events",
            "Events in one EventsMessage: how far behind its connection was",
            buckets=BATCH_BUCKETS,
        )
        self.events_ack_seconds = histogram(
            "arsnova_events_ack_seconds",
            "Time from sending an /events message to its acknowledgement",
            buckets=ACK_BUCKETS,
        )
        self.events_ack_timeouts = counter(
            "arsnova_events_ack_timeouts", "/events connections dropped for a missing ack"
        )
        self.events_unacknowledged = Sampled(
            registry,
            "arsnova_events_unacknowledged",
            "/events connections waiting for the acknowledgement of a message",
            (),
        )
        # Database, Redis
        self.db_seconds = histogram(
            "arsnova_db_command_seconds",
            "Database command round trips, by command",
            "command",
            buckets=FAST_BUCKETS,
        )
        self.db_failures = counter(
            "arsnova_db_command_failures", "Database commands that failed", "command"
        )
        self.pool_wait_seconds = histogram(
            "arsnova_db_pool_wait_seconds",
            "Time to check a connection out of the database pool",
            buckets=FAST_BUCKETS,
        )
        self.pool_failures = counter(
            "arsnova_db_pool_checkout_failures",
            "Database pool checkouts that failed, by reason (timeout: the pool was exhausted)",
            "reason",
        )
        self.pool_waiting = Sampled(
            registry, "arsnova_db_pool_waiting", "Checkouts waiting for a database connection", ()
        )
        self.redis_seconds = histogram(
            "arsnova_redis_seconds",
            "Redis round trips of the node coordination, by command (pipeline: one batch)",
            "command",
            buckets=FAST_BUCKETS,
        )
        # Background tasks, load
        self.task_reports = counter(
            "arsnova_task_reports",
            "Progress reports of background tasks, by kind and status",
            "kind", "status",
        )  # fmt: skip
        self.tasks_running = Sampled(
            registry, "arsnova_tasks_running", "Background tasks running on this node", ()
        )
        self.queue_depth = Sampled(
            registry, "arsnova_load_queue_depth", "Connects and joins waiting for admission", ()
        )
        self.ready = Sampled(
            registry, "arsnova_ready", "1 while /readyz reports ready as to load, else 0", ()
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Counts and times every request by its route template (never the raw URL)."""
    resource = request.match_info.route.resource
    route = UNMATCHED if resource is None else resource.canonical
    if route == SOCKETIO_ROUTE:
        return await handler(request)
    metrics = request.app[metrics_key]
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        metrics.http_requests.labels(request.method, route, str(status)).inc()
        metrics.http_seconds.labels(request.method, route).observe(time.perf_counter() - started)


def counted(event: str) -> Callable[[Callable[..., Awaitable[T]]], Callable[..., Awaitable[T]]]:
    """Counts a namespace handler's outcomes: `connect` or `join`, or a refusal by its code.

    For methods of a `socketio.AsyncNamespace` that has the `app`; a join is timed
    from its arrival to its result. Database outages count as `database-unavailable`.
    """

    def decorate(handler: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
        @functools.wraps(handler)
        async def run(namespace: Any, *args: Any) -> T:
            metrics = namespace.app[metrics_key]
            started = time.perf_counter()
            try:
                with translate_errors():
                    result = await handler(namespace, *args)
            except Exception as exc:
                metrics.refusals.labels(namespace.namespace, event, refusal_code(exc)).inc()
                raise
            if event == "join":
                metrics.joins.labels(namespace.namespace).inc()
                metrics.join_seconds.labels(namespace.namespace).observe(
                    time.perf_counter() - started
                )
            else:
                metrics.connects.labels(namespace.namespace).inc()
            return result

        return run

    return decorate


def refusal_code(exc: Exception) -> str:
    """The error code a client sees for `exc` (in an error ack or a connect_error)."""
    if isinstance(exc, ArsnovaError):
        return exc.code
    # A ConnectionRefusedError carries the body of `payloads.connection_refused`.
    refusal = getattr(exc, "error_args", None)
    if isinstance(refusal, dict) and isinstance(refusal.get("code"), str):
        return refusal["code"]
    return "internal-error"
