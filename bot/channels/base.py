"""The one shape every channel has, and the one place a channel is installed.

A channel owns its routes (webhooks, the web chat API), its sender (for reminders and
notices, or None when it cannot reach a resident unprompted) and declares what it can
render (`Capabilities`). Rendering, including splitting long text to the platform's limit,
is the channel's job alone; channels hold no business logic.
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from bot.core.channel import Capabilities
from bot.core.dispatcher import Dispatcher
from bot.core.sender import Sender


class Channel(Protocol):
    name: str
    capabilities: Capabilities

    @property
    def sender(self) -> Sender | None: ...

    def add_routes(self, app: web.Application) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def install(dispatcher: Dispatcher, channel: Channel) -> None:
    """Make the dispatcher know the channel's capabilities and its sender."""
    dispatcher.channels.declare(channel.name, channel.capabilities)
    if channel.sender is not None:
        dispatcher.channels.attach(channel.sender)
    fetcher = getattr(channel, "fetcher", None)  # channels that take files residents send
    if fetcher is not None:
        dispatcher.channels.attach_fetcher(fetcher)
