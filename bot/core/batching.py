"""Micro-batches: work that arrives within a few milliseconds is done in one call.

One model call (or one trip to another process) for a batch costs far less per item than
one each, so the cost per item falls as load rises. A batch holds items of one key only (a
version of the data they are computed against), at most `max_batch` of them.

One batch runs at a time: what arrives meanwhile waits and goes as one batch when the call
returns. Batches then grow with the load instead of queueing behind each other one or two
items each (a worker busy for 10 ms sees questions arrive every few milliseconds at peak),
which is what makes the cost per item fall. (Only a change of key sends a batch while
another runs: the data changed, which is rare, and its items are never held back.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar, cast

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
R = TypeVar("R")


class MicroBatcher(Generic[K, T, R]):
    """`submit(key, item)` → a future of `run(key, items)`'s result for that item."""

    def __init__(
        self,
        run: Callable[[K, list[T]], Awaitable[list[R]]],
        *,
        window: float,
        max_batch: int,
    ) -> None:
        self.run = run
        self.window = window
        self.max_batch = max_batch
        self.batches = 0  # for tests and benchmarks: calls made
        self._key: K | None = None
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Future[list[R]]] = set()  # referenced until done

    def submit(self, key: K, item: T) -> asyncio.Future[R]:
        loop = asyncio.get_running_loop()
        if self._pending and self._key != key:
            self._send()  # one batch, one key (see the module's docstring)
        future: asyncio.Future[R] = loop.create_future()
        self._key = key
        self._pending.append((item, future))
        if len(self._pending) >= self.max_batch:
            self.flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.window, self.flush)
        return future

    def flush(self) -> None:
        """Send what is pending, unless a batch runs already: then it goes when that returns."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending and not self._running:
            self._send()

    def _send(self) -> None:
        batch = self._pending[: self.max_batch]
        del self._pending[: self.max_batch]
        self.batches += 1
        key = cast(K, self._key)  # set by the submit that started this batch
        work = asyncio.ensure_future(self.run(key, [item for item, _ in batch]))  # noqa: RUF006
        self._running.add(work)
        work.add_done_callback(lambda done: _settle(batch, done))
        work.add_done_callback(self._returned)

    def _returned(self, work: asyncio.Future[list[R]]) -> None:
        self._running.discard(work)
        if self._pending:
            self.flush()  # what waited for this batch to return goes now, together


def _settle(batch: list[tuple[T, asyncio.Future[R]]], done: asyncio.Future[list[R]]) -> None:
    error = None if done.cancelled() else done.exception()
    for i, (_item, future) in enumerate(batch):
        if future.done():
            continue
        if done.cancelled():
            future.cancel()
        elif error is not None:
            future.set_exception(error)
        else:
            future.set_result(done.result()[i])
