"""What `linzhu serve` runs: the channels and the background loops, built in one place.

Each area that needs to run something registers a factory here; a factory returns None
when its settings are absent (no Telegram token → no Telegram channel). Channels are
installed into the dispatcher here and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from bot.channels.base import Channel, install
from bot.core.dispatcher import Dispatcher
from bot.core.sender import Sender
from bot.services import Services

log = logging.getLogger(__name__)


class Component(Protocol):
    name: str

    def add_routes(self, app: web.Application) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


ComponentFactory = Callable[[Dispatcher], "Component | None"]


def channel_factories() -> list[Callable[[Dispatcher], Channel | None]]:
    from bot.channels.telegram import telegram_component
    from bot.channels.webchat.channel import webchat_channel
    from bot.channels.wechat import wechat_component

    return [webchat_channel, telegram_component, wechat_component]


def component_factories() -> list[ComponentFactory]:
    """Background loops that are not channels, and the staff console's pages."""
    from bot.knowledge.overlay_sync import overlay_factory
    from bot.knowledge.reload import reloader_factory
    from bot.ops.metrics import metrics_component
    from bot.ops.retention import retention_component
    from bot.reminders.component import reminder_component
    from bot.reminders.handoff_sweep import handoff_sweep_component
    from bot.web.staff.component import staff_console

    return [
        metrics_component,
        reloader_factory,
        overlay_factory,
        reminder_component,
        handoff_sweep_component,
        retention_component,
        staff_console,
        traffic_flusher,
    ]


class TrafficFlusher:
    """Adds this process's message counts to the database every few seconds and at the end."""

    name = "traffic"
    every = 10.0

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.tally = dispatcher.services.traffic
        self._task: asyncio.Task[None] | None = None

    def add_routes(self, app: web.Application) -> None:
        return None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="traffic counts")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.tally.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.tally.flush()
            except Exception:
                log.warning("message counts not added yet; kept for the next try", exc_info=True)


def traffic_flusher(dispatcher: Dispatcher) -> TrafficFlusher:
    return TrafficFlusher(dispatcher)


def build_components(dispatcher: Dispatcher) -> list[Component]:
    """Every configured channel (installed into the dispatcher), then the background loops."""
    components: list[Component] = []
    for make_channel in channel_factories():
        channel = make_channel(dispatcher)
        if channel is not None:
            install(dispatcher, channel)
            components.append(channel)
    components += [c for f in component_factories() if (c := f(dispatcher)) is not None]
    return components


SenderFactory = Callable[[Services], "Sender | None"]


def sender_factories() -> list[SenderFactory]:
    """Senders `linzhu dispatcher` uses when it runs without the channels' routes and loops.
    A channel whose sender can work on its own (Telegram: a Bot with the token) adds one."""
    from bot.channels.telegram.standalone import telegram_sender_factory
    from bot.channels.wechat import wechat_sender_factory

    return [telegram_sender_factory, wechat_sender_factory]


def install_senders(dispatcher: Dispatcher) -> None:
    """For `linzhu dispatcher`: the web chat's inbox and every standalone sender."""
    from bot.channels.webchat.channel import webchat_channel

    install(dispatcher, webchat_channel(dispatcher))
    for factory in sender_factories():
        sender = factory(dispatcher.services)
        if sender is not None:
            dispatcher.channels.attach(sender)
