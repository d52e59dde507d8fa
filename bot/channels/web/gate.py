"""Cost-aware admission for answers: a cap per client, a bounded queue, and fair turns.

An answer costs CPU (embedding, BM25, composing), so requests per minute are not enough: one client
with 40 long questions in parallel would fill every worker while a parent behind it waits. The gate:

- lets each client (its session, its address) have only a few answers in flight;
- computes at most ``slots`` answers at once and lets at most ``queue`` more wait;
- gives a free slot to the waiting client with the fewest answers in flight (earliest first among
  equals), so a second parent is served next, not after the first client's backlog.

Refused requests are not answered here: the API then calls ``Service.reply(..., limited=True)``, which
still gives a crisis message its help lines.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


class Refused(Exception):
    """The gate cannot take this answer: ``reason`` is "client" (its cap) or "queue" (full, or waited too long)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Waiter:
    seq: int
    client: str
    future: asyncio.Future[None] = field(repr=False)


class AnswerGate:
    """Admission control for answers; use ``async with gate.admit(client, keys):`` around the work."""

    def __init__(self, *, slots: int, queue: int, per_key: dict[str, int], wait_seconds: float) -> None:
        self.slots = slots
        self.queue = queue
        self.per_key = per_key  # key prefix ("session", "ip") -> answers in flight allowed
        self.wait_seconds = wait_seconds
        self._in_flight: Counter[str] = Counter()  # per key, waiting + running
        self._by_client: Counter[str] = Counter()  # per client, waiting + running (whose turn is next)
        self._running = 0
        self._waiting: list[_Waiter] = []
        self._seq = itertools.count()

    @property
    def running(self) -> int:
        """Answers being computed now."""
        return self._running

    @property
    def waiting(self) -> int:
        """Answers waiting for a slot."""
        return len(self._waiting)

    def _cap(self, key: str) -> int:
        return self.per_key.get(key.split(":", 1)[0], 1 << 30)

    @asynccontextmanager
    async def admit(self, client: str, keys: list[str]) -> AsyncIterator[None]:
        """Hold a slot for one answer; raises :class:`Refused` without waiting when it cannot be had.

        Args:
            client: whose turn this is for fairness (the address).
            keys: the in-flight counters this answer counts against, e.g. ["session:abc", "ip:1.2.3.4"].
        """
        if any(self._in_flight[k] >= self._cap(k) for k in keys):
            raise Refused("client")
        if self._running >= self.slots and len(self._waiting) >= self.queue:
            raise Refused("queue")
        for k in keys:
            self._in_flight[k] += 1
        self._by_client[client] += 1
        try:
            await self._acquire(client)
            try:
                yield
            finally:
                self._release()
        finally:
            for k in keys:
                self._in_flight[k] -= 1
                if self._in_flight[k] <= 0:
                    del self._in_flight[k]
            self._by_client[client] -= 1
            if self._by_client[client] <= 0:
                del self._by_client[client]

    async def _acquire(self, client: str) -> None:
        if self._running < self.slots and not self._waiting:
            self._running += 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(next(self._seq), client, future)
        self._waiting.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), timeout=self.wait_seconds)
        except (TimeoutError, asyncio.CancelledError) as exc:
            if waiter.future.done() and not waiter.future.cancelled():
                # The slot was handed over just as we gave up: pass it on.
                self._release()
            else:
                waiter.future.cancel()
                if waiter in self._waiting:
                    self._waiting.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise Refused("queue") from None
            raise

    def _release(self) -> None:
        self._running -= 1
        while self._waiting and self._running < self.slots:
            # The client with the fewest answers in flight first, then first come.
            nxt = min(self._waiting, key=lambda w: (self._by_client[w.client], w.seq))
            self._waiting.remove(nxt)
            if nxt.future.done():
                continue
            self._running += 1
            nxt.future.set_result(None)
