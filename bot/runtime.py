"""What `linzhu serve` runs beside the web app: channels and background loops.

Each area that needs to run something registers a factory here; a factory returns None
when its settings are absent (no Telegram token → no Telegram channel).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from bot.core.dispatcher import Dispatcher


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

    return [telegram_component, wechat_component, reloader_factory]
