"""The WeChat official account channel (issue 6).

adapter.py — the /wechat routes and the 5-second rule; envelope.py — signatures, AES and
XML safety; render.py — numbered options and 2,048-byte texts; api.py — the HTTP API and
the shared access token; sender.py — proactive messages (48-hour window, templates);
ledger.py — one answer per message across retries and workers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.channels.wechat.adapter import WeChatChannel
    from bot.core.dispatcher import Dispatcher
    from bot.core.sender import Sender
    from bot.services import Services


def wechat_component(dispatcher: Dispatcher) -> WeChatChannel | None:
    """The channel when WECHAT_TOKEN is set."""
    if not dispatcher.services.settings.wechat_token:
        return None
    from bot.channels.wechat.adapter import WeChatChannel

    return WeChatChannel(dispatcher)


def wechat_sender_factory(services: Services) -> Sender | None:
    """The sender alone (the reminder process of `serve --workers`, `linzhu dispatcher`):
    customer-service and template messages need only the API credentials."""
    settings = services.settings
    if not (settings.wechat_app_id and settings.wechat_app_secret):
        return None
    from bot.channels.wechat.api import WeChatApi
    from bot.channels.wechat.sender import WeChatSender

    return WeChatSender(settings, services.db, WeChatApi(settings, services.db))
