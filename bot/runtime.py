"""What `linzhu serve` runs beside the web app: channels and background loops.

Each area that needs to run something registers a factory here; a factory returns None
when its settings are absent (no Telegram token → no Telegram channel).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from bot.core.dispatcher import Dispatcher
from bot.core.sender import Sender
from bot.services import Services


class Component(Protocol):
    name: str

    def add_routes(self, app: web.Application) -> None: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


ComponentFactory = Callable[[Dispatcher], "Component | None"]


def component_factories() -> list[ComponentFactory]:
    """Every area's factory; areas append their import here when they land."""
    from bot.channels.telegram import telegram_component
    from bot.channels.wechat import wechat_component
    from bot.knowledge.reload import reloader_factory
    from bot.reminders.component import reminder_component

    return [telegram_component, wechat_component, reloader_factory, reminder_component]


SenderFactory = Callable[[Services], "Sender | None"]


def sender_factories() -> list[SenderFactory]:
    """Senders `linzhu dispatcher` registers when it runs without the channels (the web chat's
    inbox sender is always there). A channel whose sender can work without its webhook or
    polling loop (Telegram: a Bot with the token) adds a factory here."""
    from bot.channels.telegram.standalone import telegram_sender_factory

    return [telegram_sender_factory]
