"""How loaded the node is, for `/readyz`: a load balancer steers new clients elsewhere.

`app[load_key]` is the queue of connects and joins (`realtime/admission.py`). Readiness turns off
above `ARSNOVA_OVERLOAD_QUEUE` waiting and back on only at or below
`ARSNOVA_OVERLOAD_RESUME`: between the two it keeps its last answer, so a
queue hovering at the limit does not flap the node in and out of the pool.
"""

from __future__ import annotations


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
