"""Sending to Telegram within its limits: replies to updates and proactive messages.

`TelegramSender` implements bot.core.sender.Sender for the reminder dispatcher; the
channel uses the same `deliver` for the replies to each update, so both paths share the
rate limiter, the 429 retries and the 403 → inactive rule.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram.ratelimit import RateLimiter
from bot.channels.telegram.render import Outgoing, plan
from bot.channels.telegram.updates import CHANNEL, user_ref
from bot.core.sender import SendResult
from bot.core.types import Reply, UserRef
from bot.store.users import UserStore

log = logging.getLogger(__name__)
T = TypeVar("T")
NETWORK_RETRIES = 2
# FAQ answers cite official sites; a preview card under every answer is noise.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class SendStats:
    """What happened on the wire, for logs and the benchmark."""

    messages: int = 0
    edits: int = 0
    retry_after: int = 0  # 429s received (each was waited out and retried)
    network_errors: int = 0
    failed: int = 0


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB warns about the int form; we take both)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    channel = CHANNEL

    def __init__(
        self, bot: Bot, limiter: RateLimiter, users: UserStore, *, max_retries: int = 5
    ) -> None:
        self.bot = bot
        self.limiter = limiter
        self.users = users
        self.max_retries = max_retries
        self.stats = SendStats()

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult:
        """A proactive message to a user's private chat (the Sender protocol)."""
        if user.channel != CHANNEL or not user.external_id.lstrip("-").isdigit():
            return SendResult.failed(f"not a Telegram user: {user}")
        return await self.deliver(int(user.external_id), replies)

    async def deliver(
        self, chat_id: int, replies: list[Reply], *, edit_message_id: int | None = None
    ) -> SendResult:
        """Send `replies` in order; stop at the first message that cannot be delivered."""
        messages = [m for reply in replies for m in plan(reply)]
        if (
            edit_message_id is not None
            and _editable(replies, messages)
            and await self._edit(chat_id, edit_message_id, messages[0])
        ):
            return SendResult.sent()
        for message in messages:
            result = await self._send_one(chat_id, message)
            if result.status != "sent":
                return result
        return SendResult.sent()

    async def _send_one(self, chat_id: int, message: Outgoing) -> SendResult:
        try:
            if message.document is not None:
                filename, content = message.document
                await self._call(
                    chat_id,
                    lambda: self.bot.send_document(
                        chat_id, document=content, filename=filename, reply_markup=message.markup
                    ),
                )
            else:
                await self._call(
                    chat_id,
                    lambda: self.bot.send_message(
                        chat_id,
                        message.html or "",
                        parse_mode=ParseMode.HTML,
                        reply_markup=message.markup,
                        link_preview_options=NO_PREVIEW,
                    ),
                )
        except Forbidden as exc:
            self.stats.failed += 1
            if chat_id > 0:  # a private chat: the chat id is the user id
                await self.users.deactivate(user_ref(chat_id), f"blocked: {exc.message}")
                log.info("telegram user %d blocked the bot; marked inactive", chat_id)
            return SendResult.failed(f"forbidden: {exc.message}")
        except RetryAfter as exc:
            self.stats.failed += 1
            return SendResult.retry("flood control", retry_seconds(exc))
        except BadRequest as exc:
            self.stats.failed += 1
            log.error("telegram rejected a message to %d: %s", chat_id, exc.message)
            return SendResult.failed(f"bad request: {exc.message}")
        except NetworkError as exc:
            self.stats.failed += 1
            return SendResult.retry(f"network: {exc.message}")
        except TelegramError as exc:
            self.stats.failed += 1
            return SendResult.failed(f"{type(exc).__name__}: {exc.message}")
        self.stats.messages += 1
        return SendResult.sent()

    async def _edit(self, chat_id: int, message_id: int, message: Outgoing) -> bool:
        """Replace the tapped menu in place; False when Telegram will not (then send anew)."""
        try:
            await self._call(
                chat_id,
                lambda: self.bot.edit_message_text(
                    message.html or "",
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.markup,
                    link_preview_options=NO_PREVIEW,
                ),
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return True  # the same menu again: what the user sees is already right
            log.info("could not edit message %d in %d (%s); sending anew", message_id, chat_id, exc)
            return False
        except TelegramError as exc:
            log.info("could not edit message %d in %d (%s); sending anew", message_id, chat_id, exc)
            return False
        self.stats.edits += 1
        return True

    async def _call(self, chat_id: int, request: Callable[[], Awaitable[T]]) -> T:
        """One Bot API request within the limits; 429s and network hiccups are retried."""
        flood_retries = network_retries = 0
        while True:
            try:
                async with self.limiter.slot(chat_id):
                    return await request()
            except RetryAfter as exc:
                self.stats.retry_after += 1
                seconds = retry_seconds(exc)
                self.limiter.pause(chat_id, seconds)
                if flood_retries >= self.max_retries:
                    raise
                flood_retries += 1
                log.info("telegram: 429 for chat %d, retrying in %.1f s", chat_id, seconds)
            except BadRequest:
                raise  # BadRequest is a NetworkError in PTB, but retrying cannot help
            except NetworkError:
                self.stats.network_errors += 1
                if network_retries >= NETWORK_RETRIES:
                    raise
                network_retries += 1
                await asyncio.sleep(0.5 * network_retries)


def _editable(replies: list[Reply], messages: list[Outgoing]) -> bool:
    """A tapped menu is replaced in place when the answer is one menu again.

    Anything else (several messages, a file, plain text) is sent as new messages so the
    conversation keeps what the user read before.
    """
    return (
        len(replies) == 1
        and len(messages) == 1
        and messages[0].html is not None
        and messages[0].markup is not None
    )
