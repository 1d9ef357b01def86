"""The whole WeChat path for tests: our aiohttp app with /wechat, the fake WeChat API.

`stack.say(openid, text)` posts a signed (optionally AES-encrypted) message the way
WeChat does, tells the fake that the user wrote (opening their 48-hour window), and
returns the text of the passive reply, or None when the answer was "success".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp.test_utils import TestClient, TestServer
from defusedxml.ElementTree import fromstring
from pydantic import SecretStr

from bot.app import build_dispatcher
from bot.channels.base import install
from bot.channels.wechat import wechat_component
from bot.channels.wechat.adapter import WeChatChannel
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.store.db import Database
from bot.web.app import create_web_app
from fakes.wechat import APP_SECRET, FakeWeChat, running
from fakes.wechat_messages import (
    AES_KEY,
    APP_ID,
    TOKEN,
    decrypt_reply,
    encrypt,
    event_xml,
    signed_query,
    text_xml,
)

Mode = Literal["plain", "compat", "safe"]


def wechat_settings(settings: Settings, fake_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "wechat_token": TOKEN,
        "wechat_app_id": APP_ID,
        "wechat_app_secret": SecretStr(APP_SECRET),
        "wechat_encoding_aes_key": AES_KEY,
        "wechat_api_url": fake_url,
        # Most tests post plaintext and encrypted messages to one account: compatible mode.
        # tests/channels/wechat/test_security.py holds safe mode to encrypted-only.
        "wechat_compat_mode": True,
    }
    return settings.model_copy(update=values | overrides)


@dataclass
class Posted:
    status: int
    body: str
    reply: str | None  # the passive reply's Content


@dataclass
class WeChatStack:
    fake: FakeWeChat
    client: TestClient
    channel: WeChatChannel
    dispatcher: Dispatcher
    mode: Mode = "plain"

    async def post_xml(self, xml: str, mode: Mode | None = None) -> Posted:
        mode = mode or self.mode
        if mode == "plain":
            body, query = xml, signed_query()
        else:
            body, query = encrypt(xml, compatible=mode == "compat")
        resp = await self.client.post("/wechat", params=query, data=body.encode())
        text = await resp.text()
        if resp.status != 200 or text == "success" or not text:
            return Posted(resp.status, text, None)
        xml_reply = decrypt_reply(text, query) if mode != "plain" else text
        fields = {child.tag: child.text or "" for child in fromstring(xml_reply)}
        assert fields["MsgType"] == "text"
        return Posted(resp.status, text, fields["Content"])

    async def say(self, openid: str, text: str, msg_id: int | None = None) -> str | None:
        self.fake.user_wrote(openid)
        return (await self.post_xml(text_xml(openid, text, msg_id))).reply

    async def event(
        self, openid: str, event: str, key: str | None = None, at: int | None = None
    ) -> Posted:
        if event != "unsubscribe":
            self.fake.user_wrote(openid)
        return await self.post_xml(event_xml(openid, event, key, at))

    async def settle(self) -> None:
        """Let background customer-service deliveries finish."""
        await self.channel.drain(10)


@asynccontextmanager
async def wechat_stack(
    settings: Settings, db: Database, mode: Mode = "plain", **overrides: Any
) -> AsyncIterator[WeChatStack]:
    async with running(FakeWeChat()) as fake:
        dispatcher = build_dispatcher(wechat_settings(settings, fake.url, **overrides), db=db)
        channel = wechat_component(dispatcher)
        assert channel is not None
        install(dispatcher, channel)
        app = create_web_app(dispatcher, channel)
        await channel.start()
        try:
            async with TestClient(TestServer(app, host="127.0.0.1")) as client:
                yield WeChatStack(fake, client, channel, dispatcher, mode)
        finally:
            await channel.stop()
