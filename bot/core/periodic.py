"""A piece of work run every so often beside the server (the retention run, the handoff
sweep): started and stopped like any `linzhu serve` component.

Stopping lets a run in flight finish within the grace period (a reply being sent is
recorded, a transaction commits), then cancels it; a run that fails is logged and the
next one comes at its time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger(__name__)


class Periodic:
    """Subclasses set `name` and write `run_once`; `every` and `first` are in seconds."""

    name = "periodic"

    def __init__(self, *, every: float, first: float | None = None, grace: float = 10.0) -> None:
        self.every = every
        self.first = every if first is None else first
        self.grace = grace
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> None:
        raise NotImplementedError

    def add_routes(self, app: Any) -> None:
        return None

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(self._task, timeout=self.grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        wait = self.first
        while not await self._stopped_within(wait):
            try:
                await self.run_once()
            except Exception:
                log.exception("%s failed; trying again in %.0f s", self.name, self.every)
            wait = self.every

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        return self._stop.is_set()
