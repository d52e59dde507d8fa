"""One rate limiter for every channel: moving windows per key (chat, session, IP), in memory now.

Built on the ``limits`` library, so a deployment with several processes can point the same code at
Redis later (``storage_uri``). ``Limiter.hit([(key, per_minute), ...])`` records one request under
every key unless one of them is full; it then returns the seconds to wait.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute, storage, strategies


class Limiter:
    """Moving-window limits per key; thread-safe through the ``limits`` storage."""

    def __init__(self, storage_uri: str = "memory://") -> None:
        self._storage = storage.storage_from_string(storage_uri)
        self._window = strategies.MovingWindowRateLimiter(self._storage)
        self._items: dict[int, RateLimitItemPerMinute] = {}

    def _item(self, per_minute: int) -> RateLimitItemPerMinute:
        item = self._items.get(per_minute)
        if item is None:
            item = self._items[per_minute] = RateLimitItemPerMinute(per_minute)
        return item

    def hit(self, limits: list[tuple[str, int]]) -> float:
        """Record one request under every key, unless one is full: then the seconds until it is not."""
        for key, per_minute in limits:
            if not self._window.test(self._item(per_minute), key):
                stats = self._window.get_window_stats(self._item(per_minute), key)
                return max(1.0, math.ceil(stats.reset_time - time.time()))
        for key, per_minute in limits:
            self._window.hit(self._item(per_minute), key)
        return 0.0

    def reset(self) -> None:
        """Forget every key (tests, and a staff member who wants a clean slate)."""
        self._storage.reset()
