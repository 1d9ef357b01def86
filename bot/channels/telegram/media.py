"""Files residents send on Telegram: getFile, then the download, within our limit.

Telegram lets a bot download files up to 20 MB; getFile fails with "file is too big" past
that, which is the same answer for the resident as our own (lower) limit.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.core.channel import MediaTooLarge, MediaUnavailable
from bot.core.types import MediaRef

log = logging.getLogger(__name__)
CHANNEL = "telegram"


class TelegramFetcher:
    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def fetch(self, media: MediaRef, max_bytes: int) -> bytes:
        if media.size is not None and media.size > max_bytes:
            raise MediaTooLarge(media.size)
        try:
            file = await self.bot.get_file(media.file_id)
            if file.file_size is not None and file.file_size > max_bytes:
                raise MediaTooLarge(file.file_size)
            data = bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            if "too big" in str(exc).lower():
                raise MediaTooLarge(media.size) from exc
            raise MediaUnavailable(str(exc)) from exc
        except TelegramError as exc:
            log.warning("telegram: could not fetch a resident's file: %s", exc)
            raise MediaUnavailable(str(exc)) from exc
        if len(data) > max_bytes:
            raise MediaTooLarge(len(data))
        return data
