"""The reminder dispatcher as a `linzhu serve` component (and its settings)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import web

from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.reminders.dispatcher import DispatcherConfig, ReminderDispatcher
from bot.services import Services

log = logging.getLogger(__name__)


def config_from(settings: Settings) -> DispatcherConfig:
    return DispatcherConfig(
        batch_size=settings.reminder_batch_size,
        poll_seconds=settings.reminder_poll_seconds,
        lease_seconds=settings.reminder_lease_seconds,
        max_attempts=settings.reminder_max_attempts,
        backoff_seconds=settings.reminder_backoff_seconds,
        rate_per_second=settings.reminder_rate_per_second,
        default_locale=settings.default_locale,
    )


def build_reminder_dispatcher(services: Services) -> ReminderDispatcher:
    return ReminderDispatcher(services.db, services.channels, config_from(services.settings))


class ReminderComponent:
    name = "reminders"

    def __init__(self, services: Services) -> None:
        self.dispatcher = build_reminder_dispatcher(services)
        self.grace = services.settings.shutdown_grace_seconds
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def add_routes(self, app: web.Application) -> None:
        return None

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self.dispatcher.run(self._stop), name="reminders")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                # Let the batch in flight finish and be marked, within the grace period.
                await asyncio.wait_for(self._task, timeout=self.grace)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None


def reminder_component(dispatcher: Dispatcher) -> ReminderComponent | None:
    """The `linzhu serve` factory: None when REMINDERS_IN_SERVE is false."""
    if not dispatcher.services.settings.reminders_in_serve:
        return None
    return ReminderComponent(dispatcher.services)
