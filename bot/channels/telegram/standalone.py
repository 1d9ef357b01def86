"""The Telegram sender for `linzhu dispatcher` running on its own (no webhook, no polling)."""

from __future__ import annotations

from bot.channels.telegram.adapter import build_application
from bot.channels.telegram.ratelimit import Limits, limiter_for
from bot.channels.telegram.sender import TelegramSender
from bot.core.sender import Sender, SendResult
from bot.core.types import Reply, UserRef
from bot.services import Services


class _InitialisedOnFirstSend:
    """PTB's Bot must be initialised (getMe) before use; do it when the first reminder is due."""

    def __init__(self, sender: TelegramSender) -> None:
        self.sender = sender
        self.channel = sender.channel
        self._ready = False

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult:
        if not self._ready:
            try:
                await self.sender.bot.initialize()
            except Exception as exc:  # network or a wrong token: try again later
                return SendResult.retry(f"telegram: cannot initialise the bot: {exc}")
            self._ready = True
        return await self.sender.send(user, replies)


def telegram_sender_factory(services: Services) -> Sender | None:
    settings = services.settings
    if settings.telegram_bot_token is None:
        return None
    limiter = limiter_for(
        services.db,
        Limits(
            per_second_global=settings.telegram_rate_global,
            per_second_chat=settings.telegram_rate_chat,
            per_minute_group=settings.telegram_rate_group,
        ),
    )
    bot = build_application(settings).bot
    sender = TelegramSender(bot, limiter, services.users, max_retries=settings.telegram_max_retries)
    return _InitialisedOnFirstSend(sender)
