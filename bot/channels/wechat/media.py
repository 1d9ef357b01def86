"""Images residents send on WeChat: the MediaId fetched through /cgi-bin/media/get."""

from __future__ import annotations

import logging

from bot.channels.wechat.api import WeChatApi, WeChatError, WeChatUnavailable
from bot.core.channel import MediaTooLarge, MediaUnavailable
from bot.core.types import MediaRef

log = logging.getLogger(__name__)


class WeChatFetcher:
    channel = "wechat"

    def __init__(self, api: WeChatApi) -> None:
        self.api = api

    async def fetch(self, media: MediaRef, max_bytes: int) -> bytes:
        try:
            data = await self.api.get_media(media.file_id, max_bytes)
        except (WeChatError, WeChatUnavailable) as exc:
            log.warning("wechat: could not fetch a resident's file: %s", exc)
            raise MediaUnavailable(str(exc)) from exc
        if data is None:
            raise MediaTooLarge(max_bytes)
        return data
