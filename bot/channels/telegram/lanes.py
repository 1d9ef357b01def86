"""One queue per user: a user's updates run in order, different users run concurrently."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class Lanes(Generic[T]):
    """`put(key, item)` never blocks; each key's items are worked through one at a time.

    A lane exists only while it has work, so idle users cost nothing. A slow user (rate
    limited, a long handler) only ever delays their own lane.
    """

    def __init__(self, work: Callable[[T], Awaitable[None]]) -> None:
        self._work = work
        self._queues: dict[str, deque[T]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def put(self, key: str, item: T) -> None:
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(item)
            return
        self._queues[key] = deque([item])
        task = asyncio.create_task(self._drain(key), name=f"lane {key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                item = queue.popleft()
                try:
                    await self._work(item)
                except Exception:
                    # One bad update must not stop the user's next ones.
                    log.exception("handling an update for %s failed", key)
        finally:
            # No await between the loop's last check and here, so no put() is lost.
            del self._queues[key]

    @property
    def busy(self) -> int:
        """Lanes with work in hand."""
        return len(self._queues)

    async def join(self, within: float | None = None) -> bool:
        """Wait until every lane is empty; False when `within` seconds passed first."""
        try:
            async with asyncio.timeout(within):
                while self._tasks:
                    await asyncio.gather(*list(self._tasks), return_exceptions=True)
        except TimeoutError:
            return False
        return True

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
