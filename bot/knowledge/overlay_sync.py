"""Keeps every worker's knowledge base in step with the FAQ overlay in the database.

The console applies a new alternate at once in its own process (`apply_overlay`); other
`linzhu serve` workers notice the overlay's version change within FAQ_WATCH_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from bot.core.dispatcher import Dispatcher
from bot.knowledge.base import KnowledgeBase
from bot.store.staff.overlay import FaqOverlayStore

log = logging.getLogger(__name__)


async def apply_overlay(knowledge: KnowledgeBase, store: FaqOverlayStore) -> bool:
    """Read the overlay and rebuild the index with it (off the event loop)."""
    overlay = await store.overlay()
    return await asyncio.to_thread(knowledge.set_overlay, overlay)


class OverlaySync:
    name = "faq-overlay"

    def __init__(self, knowledge: KnowledgeBase, store: FaqOverlayStore, interval: float) -> None:
        self.knowledge = knowledge
        self.store = store
        self.interval = interval if interval > 0 else 30.0
        self._version: tuple[int, int] | None = None
        self._task: asyncio.Task[None] | None = None

    def add_routes(self, app: web.Application) -> None:
        return None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="faq-overlay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def check(self) -> bool:
        """Apply the overlay if it changed since the last look; True when it was rebuilt."""
        version = await self.store.version()
        if version == self._version:
            return False
        changed = await apply_overlay(self.knowledge, self.store)
        self._version = version
        return changed

    async def _run(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:
                log.exception("faq overlay check failed; retrying later")
            await asyncio.sleep(self.interval)


def overlay_factory(dispatcher: Dispatcher) -> OverlaySync | None:
    knowledge = dispatcher.services.knowledge
    if knowledge is None:
        return None
    return OverlaySync(
        knowledge,
        FaqOverlayStore(dispatcher.services.db),
        dispatcher.services.settings.faq_watch_seconds,
    )
