"""PyMongo's command and connection-pool events as metrics (`arsnova.metrics`).

The driver calls these listeners synchronously on the event loop, for every
command and every pool checkout of the app's client: they only count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo import monitoring

if TYPE_CHECKING:
    from arsnova.metrics import Metrics


class CommandTimer(monitoring.CommandListener):
    """Round-trip time of each command by name, and the failed ones."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pass

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self.metrics.db_seconds.labels(event.command_name).observe(event.duration_micros / 1e6)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.metrics.db_seconds.labels(event.command_name).observe(event.duration_micros / 1e6)
        self.metrics.db_failures.labels(event.command_name).inc()


class PoolWaits(monitoring.ConnectionPoolListener):
    """How long commands wait for a pooled connection, how many wait now, and which gave up."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.waiting = 0
        metrics.pool_waiting.read = lambda: {(): self.waiting}

    def connection_check_out_started(
        self, event: monitoring.ConnectionCheckOutStartedEvent
    ) -> None:
        self.waiting += 1

    def connection_checked_out(self, event: monitoring.ConnectionCheckedOutEvent) -> None:
        self.waiting -= 1
        self.observe(event.duration)

    def connection_check_out_failed(self, event: monitoring.ConnectionCheckOutFailedEvent) -> None:
        self.waiting -= 1
        self.observe(event.duration)
        self.metrics.pool_failures.labels(event.reason).inc()

    def observe(self, duration: float | None) -> None:
        if duration is not None:  # optional in PyMongo's event type
            self.metrics.pool_wait_seconds.observe(duration)

    # The rest of the pool's life is not measured.

    def pool_created(self, event: monitoring.PoolCreatedEvent) -> None:
        pass

    def pool_ready(self, event: monitoring.PoolReadyEvent) -> None:
        pass

    def pool_cleared(self, event: monitoring.PoolClearedEvent) -> None:
        pass

    def pool_closed(self, event: monitoring.PoolClosedEvent) -> None:
        pass

    def connection_created(self, event: monitoring.ConnectionCreatedEvent) -> None:
        pass

    def connection_ready(self, event: monitoring.ConnectionReadyEvent) -> None:
        pass

    def connection_closed(self, event: monitoring.ConnectionClosedEvent) -> None:
        pass

    def connection_checked_in(self, event: monitoring.ConnectionCheckedInEvent) -> None:
        pass


def listeners(
    metrics: Metrics,
) -> list[monitoring.CommandListener | monitoring.ConnectionPoolListener]:
    """The listeners to give the app's `AsyncMongoClient`."""
    return [CommandTimer(metrics), PoolWaits(metrics)]
