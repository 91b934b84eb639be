"""How loaded the node is, for `/readyz`: a load balancer steers new clients elsewhere.

`app[load_key]` is whatever queues connects and joins (admission control);
until that is installed, `Idle` reports an empty queue. Readiness turns off
above `ARSNOVA_OVERLOAD_QUEUE` waiting and back on only at or below
`ARSNOVA_OVERLOAD_RESUME`: between the two it keeps its last answer, so a
queue hovering at the limit does not flap the node in and out of the pool.
"""

from __future__ import annotations

from typing import Protocol


class Load(Protocol):
    def queue_depth(self) -> int:
        """Connects and joins waiting for admission now."""
        ...


class Idle:
    """No admission queue: nothing ever waits."""

    def queue_depth(self) -> int:
        return 0


class Readiness:
    """Overloaded above `high` waiting; ready again at or below `low` (hysteresis)."""

    def __init__(self, high: int, low: int) -> None:
        self.high = high
        self.low = low
        self.overloaded = False

    def ready(self, depth: int) -> bool:
        if depth > self.high:
            self.overloaded = True
        elif depth <= self.low:
            self.overloaded = False
        return not self.overloaded
