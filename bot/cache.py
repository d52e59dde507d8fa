"""Answers to first questions, kept for a while and computed once when many arrive together.

A first question (no conversation before it) gets the same answer whoever asks it, so the answer is
kept in a small LRU (keyed by the cleaned question, the reply language and the index generation).
Identical questions that arrive while the first is still being answered wait for it instead of
computing it again (single flight): a burst of the same question costs one answer, not fifty.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
Key = tuple[str, ...]


class AnswerCache(Generic[T]):
    """LRU with a time to live and single-flight computation."""

    def __init__(self, size: int, *, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self._items: OrderedDict[Key, tuple[float, T]] = OrderedDict()
        self._flights: dict[Key, threading.Event] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.coalesced = 0

    def get(self, key: Key) -> T | None:
        """The cached value, or None when absent or expired."""
        with self._lock:
            return self._get(key)

    def _get(self, key: Key) -> T | None:
        item = self._items.get(key)
        if item is None:
            return None
        stored, value = item
        if self.clock() - stored > self.ttl:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def put(self, key: Key, value: T) -> None:
        """Remember a value, dropping the least recently used beyond ``size``."""
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = (self.clock(), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_compute(
        self, key: Key, compute: Callable[[], T], *, keep: Callable[[T], bool] = lambda _: True
    ) -> tuple[T, bool]:
        """The cached value, or the value another thread is computing, or compute it now.

        Returns (value, fresh): fresh is True when this call computed it. ``keep`` decides whether a
        computed value may be cached (a crisis reply or a refusal for an outage is not).
        """
        while True:
            with self._lock:
                cached = self._get(key) if self.size > 0 else None
                if cached is not None:
                    self.hits += 1
                    return cached, False
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = threading.Event()
                    leader = True
                else:
                    leader = False
            if not leader:
                flight.wait(timeout=30)
                with self._lock:
                    self.coalesced += 1
                    cached = self._get(key)
                if cached is not None:
                    return cached, False
                continue  # the leader failed or did not keep its value: try again (possibly as leader)
            try:
                value = compute()
                if keep(value):
                    self.put(key, value)
                return value, True
            finally:
                with self._lock:
                    self._flights.pop(key, None)
                flight.set()
