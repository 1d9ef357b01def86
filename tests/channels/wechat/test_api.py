"""The API client, the shared access token and the sender, against the fake WeChat server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.sender import WeChatSender
from bot.config import Settings
from bot.core.types import Reply, UserRef, utcnow
from bot.i18n import use_locale
from bot.store.db import Database
from bot.store.users import UserStore
from fakes.wechat import APP_ID, APP_SECRET, FakeWeChat, running
from tests.channels.wechat.stack import wechat_settings


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeChat]:
    async with running(FakeWeChat()) as f:
        yield f


@pytest.fixture
def wx_settings(settings: Settings, fake: FakeWeChat) -> Settings:
    return wechat_settings(settings, fake.url)


@pytest.fixture
async def api(wx_settings: Settings, db: Database) -> AsyncIterator[WeChatApi]:
    client = WeChatApi(wx_settings, db)
    yield client
    await client.close()


async def seen(db: Database, openid: str, hours_ago: float = 0) -> UserRef:
    ref = UserRef("wechat", openid)
    async with db.transaction() as session:
        await UserStore(db).touch(session, ref, now=utcnow() - timedelta(hours=hours_ago))
    return ref


@pytest.mark.parametrize("endpoint", ["stable_token", "token"])
async def test_workers_share_one_token_fetch(
    settings: Settings,
    fake: FakeWeChat,
    db: Database,  # for its clean tables
    db_url: tuple[str, str | None],
    endpoint: str,
) -> None:
    url, schema = db_url
    wx = wechat_settings(settings, fake.url, wechat_token_endpoint=endpoint)
    workers = [Database(url, pool_size=5, schema=schema) for _ in range(3)]
    apis = [WeChatApi(wx, db) for db in workers]
    try:
        for i in range(12):
            fake.user_wrote(f"o-{i}")
        await asyncio.gather(*(apis[i % 3].send_text(f"o-{i}", f"消息 {i}") for i in range(12)))
    finally:
        for a in apis:
            await a.close()
        for db in workers:
            await db.dispose()
    assert fake.token_fetches + fake.stable_fetches == 1
    assert fake.refused == []  # no worker ever used a token another fetch had killed
    assert len(fake.custom) == 12


async def test_expired_token_is_refreshed_once(api: WeChatApi, fake: FakeWeChat) -> None:
    fake.user_wrote("o-exp")
    await api.send_text("o-exp", "a")
    fake.expire_tokens()
    await api.send_text("o-exp", "b")
    assert fake.refused == [("/cgi-bin/message/custom/send", 42001)]
    assert fake.stable_fetches == 2
    assert fake.texts_to("o-exp") == ["a", "b"]


async def test_token_invalidated_elsewhere_is_replaced(api: WeChatApi, fake: FakeWeChat) -> None:
    fake.user_wrote("o-inv")
    await api.send_text("o-inv", "a")
    async with aiohttp.ClientSession() as session:  # someone else fetches: ours dies
        params = {"grant_type": "client_credential", "appid": APP_ID, "secret": APP_SECRET}
        async with session.get(fake.url + "/cgi-bin/token", params=params) as resp:
            other = (await resp.json())["access_token"]
    await api.send_text("o-inv", "b")
    assert ("/cgi-bin/message/custom/send", 40001) in fake.refused
    # stable_token hands out the token that is valid now; no forced refresh was needed.
    assert fake.current is not None and fake.current[0] == other
    assert fake.stable_fetches == 2
    assert fake.texts_to("o-inv") == ["a", "b"]


async def test_json_is_sent_unescaped_and_the_fake_refuses_escapes(
    api: WeChatApi, fake: FakeWeChat
) -> None:
    fake.user_wrote("o-zh")
    await api.send_text("o-zh", "您好，欢迎！こんにちは")
    assert fake.texts_to("o-zh") == ["您好，欢迎！こんにちは"]
    token = await api.tokens.get()
    escaped = json.dumps({"touser": "o-zh", "msgtype": "text", "text": {"content": "您好"}})
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            fake.url + "/cgi-bin/message/custom/send",
            params={"access_token": token},
            data=escaped.encode(),
        ) as resp,
    ):
        assert (await resp.json())["errcode"] == 40033


async def test_window_allows_five_then_undeliverable_without_template(
    wx_settings: Settings, db: Database, api: WeChatApi, fake: FakeWeChat
) -> None:
    sender = WeChatSender(wx_settings, db, api)
    ref = await seen(db, "o-five")
    fake.user_wrote("o-five")
    results = [await sender.send(ref, [Reply(f"n{i}")]) for i in range(6)]
    assert [r.status for r in results] == ["sent"] * 5 + ["failed"]
    assert results[-1].reason and results[-1].reason.startswith("undeliverable:")
    assert "WECHAT_TEMPLATE_ID" in results[-1].reason
    assert fake.texts_to("o-five") == [f"n{i}" for i in range(5)]
    assert fake.refused == []  # our own count stopped us before WeChat had to
    await seen(db, "o-five")  # the user writes again: a new window
    fake.user_wrote("o-five")
    assert (await sender.send(ref, [Reply("again")])).status == "sent"


async def test_outside_48_hours_the_template_is_used(
    settings: Settings, db: Database, fake: FakeWeChat
) -> None:
    wx = wechat_settings(
        settings,
        fake.url,
        wechat_template_id="TPL-REMINDER",
        wechat_template_fields={"thing1": "{first_line}", "time2": "{date}", "thing3": "{rest}"},
    )
    api = WeChatApi(wx, db)
    try:
        sender = WeChatSender(wx, db, api)
        ref = await seen(db, "o-old", hours_ago=49)
        with use_locale("zh_Hans"):
            result = await sender.send(
                ref, [Reply("预约提醒：明天上午十点的咨询\n地点：古北市民中心")]
            )
        assert result.status == "sent"
        assert fake.custom == []
        [sent] = fake.template
        assert sent["template_id"] == "TPL-REMINDER"
        assert sent["data"]["thing1"]["value"] == "预约提醒：明天上午十点的咨询"
        assert sent["data"]["thing3"]["value"] == "地点：古北市民中心"
        assert sent["data"]["time2"]["value"]  # a date in the user's locale
        fake.unsubscribed.add("o-old")
        result = await sender.send(ref, [Reply("again")])
        assert result.status == "failed" and "unsubscribed" in (result.reason or "")
        user = await UserStore(db).get(ref)
        assert user is not None and not user.active
    finally:
        await api.close()


async def test_wechat_45015_closes_the_window_even_if_our_count_disagrees(
    wx_settings: Settings, db: Database, api: WeChatApi, fake: FakeWeChat
) -> None:
    sender = WeChatSender(wx_settings, db, api)
    ref = await seen(db, "o-45015")
    fake.user_wrote("o-45015")
    fake.window_sent["o-45015"] = 5  # WeChat counted messages we don't know about
    result = await sender.send(ref, [Reply("hi")])
    assert result.status == "failed" and "48-hour" in (result.reason or "")
    assert result.window_closed  # the handoff marks the reply undeliverable from this
    assert ("/cgi-bin/message/custom/send", 45015) in fake.refused
    fake.refused.clear()
    assert (await sender.send(ref, [Reply("hi")])).status == "failed"
    assert fake.refused == []  # remembered: no second call into a closed window


async def test_unknown_inactive_and_unreachable(
    wx_settings: Settings, db: Database, api: WeChatApi, fake: FakeWeChat
) -> None:
    sender = WeChatSender(wx_settings, db, api)
    unknown = await sender.send(UserRef("wechat", "nobody"), [Reply("x")])
    assert unknown.status == "failed" and unknown.reason == "undeliverable: unknown WeChat user"
    ref = await seen(db, "o-gone")
    await UserStore(db).deactivate(ref, "unsubscribed")
    assert (await sender.send(ref, [Reply("x")])).status == "failed"
    ref2 = await seen(db, "o-net")
    down = WeChatSender(
        wx_settings.model_copy(update={"wechat_api_url": "http://127.0.0.1:9"}), db, None
    )
    assert (await down.send(ref2, [Reply("x")])).status == "failed"  # no API configured
    offline = WeChatApi(wx_settings.model_copy(update={"wechat_api_url": "http://127.0.0.1:9"}), db)
    try:
        result = await WeChatSender(wx_settings, db, offline).send(ref2, [Reply("x")])
    finally:
        await offline.close()
    assert result.status == "retry"
    # The reserved window slot was given back: five messages still fit.
    sender_ok = WeChatSender(wx_settings, db, api)
    fake.user_wrote("o-net")
    assert [(await sender_ok.send(ref2, [Reply(str(i))])).status for i in range(5)] == ["sent"] * 5
