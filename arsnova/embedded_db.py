"""The embedded database's entry point: SecantusDB's own, with its retryable-write
records pruned oldest first (`python -m arsnova.embedded_db` takes secantus's options).

SecantusDB 0.7.0b3 keeps a record of every retryable write for 30 minutes (so a
driver's retry gets the first reply instead of applying the write twice) and, on
every write, scans all of them for expired ones and, past 10,000 records, sorts
them all to drop the oldest. After 10,000 writes in half an hour, a lecture's
worth, every write cost about 10 ms more under the server's one lock: the same
300 inserts took 2.4 s instead of 0.2 s. Records arrive in age order, so an
ordered map pruned from its oldest end keeps the same rules at the cost of the
records dropped. `tests/test_embedded.py` measures it.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from secantus import transactions
from secantus.cli import main

_original_init = transactions.TransactionRegistry.__init__


def _init_with_ordered_records(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self._retryable = OrderedDict()


def _prune_oldest_first(self: Any) -> None:
    """Drops expired records, then the oldest beyond the cap (the lock is held)."""
    records: OrderedDict = self._retryable
    cutoff = self._time() - transactions._RETRYABLE_RECORD_LIFETIME_SECONDS
    while records:
        _reply, stored_at, _identity = next(iter(records.values()))
        if stored_at >= cutoff and len(records) <= transactions._RETRYABLE_RECORD_MAX:
            return
        records.popitem(last=False)


transactions.TransactionRegistry.__init__ = _init_with_ordered_records
transactions.TransactionRegistry._prune_retryable_locked = _prune_oldest_first

if __name__ == "__main__":
    raise SystemExit(main())
