"""The emergency reply on every channel: the number first (a tel: link on the web page, the
plain number elsewhere) and `emergency:` payloads — through the web chat's API and a real
browser, python-telegram-bot against the fake Bot API, and signed WeChat XML."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.webchat.channel import WebChatChannel
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.store.db import Database
from bot.web.app import create_web_app
from fakes.telegram import FakeTelegram, buttons
from tests.channels.telegram.support import OVERALL, PER_CHAT, running_channel, telegram_settings
from tests.channels.wechat.stack import wechat_stack
from tests.harness import tr

EMERGENCY = "my husband collapsed and is not breathing"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def db_backend() -> str:  # the channels' rendering does not depend on the database
    return "sqlite"


@pytest.fixture
async def web(dispatcher: Dispatcher) -> AsyncIterator[TestClient]:
    app = create_web_app(dispatcher, WebChatChannel(dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def test_web_chat_api(web: TestClient) -> None:
    resp = await web.post("/api/chat", json={"text": EMERGENCY})  # a browser: its cookie
    [reply] = (await resp.json())["replies"]
    assert reply["text"].splitlines()[0].startswith("📞")
    assert "[120](tel:120)" in reply["text"].splitlines()[0]
    assert [b["payload"] for b in reply["buttons"]] == [
        "emergency:address:not_breathing",
        "emergency:no",
    ]


@pytest.mark.browser
async def test_web_page_shows_a_tel_link(dispatcher: Dispatcher) -> None:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI=true but Chromium is missing at /usr/bin/chromium", pytrace=False)
        pytest.skip("Chromium not installed; browser test skipped")
    from playwright.async_api import async_playwright

    server = TestServer(create_web_app(dispatcher, WebChatChannel(dispatcher)), host="127.0.0.1")
    await server.start_server()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = await browser.new_page()
                await page.goto(str(server.make_url("/")))
                await page.get_by_role("button", name="Language").first.wait_for(timeout=10_000)
                await page.fill("#text", EMERGENCY)
                await page.press("#text", "Enter")
                link = page.locator('.msg.bot a.tel[href="tel:120"]').first
                await link.wait_for(timeout=10_000)
                assert await link.inner_text() == "120"
                # The link is in the message's first line, inside the bold markup.
                first = await page.locator(".msg.bot").last.inner_text()
                assert first.splitlines()[0].startswith("📞") and "120" in first.splitlines()[0]
                assert "tel:" not in first and "[120]" not in first
                await page.get_by_role("button", name="Put my address on the card").wait_for()
            finally:
                await browser.close()
    finally:
        await server.close()


async def test_telegram(settings: Settings, db: Database) -> None:
    fake = FakeTelegram(per_chat=PER_CHAT, overall=OVERALL)
    await fake.start()
    try:
        async with running_channel(telegram_settings(settings, fake), db):
            update = fake.message_update(
                701, "mon mari est tombé, il ne respire plus", language_code="fr"
            )
            fake.push(update)
            await fake.wait_until(lambda: len(fake.chat_log[701]) >= 1)
            [sent] = fake.chat_log[701]
    finally:
        await fake.stop()
    assert sent.html is not None and sent.text is not None
    first = sent.html.splitlines()[0]
    assert first.startswith("📞") and "<b>120</b>" in first and "tel:" not in sent.html
    assert sent.text.splitlines()[0].startswith("📞") and "120" in sent.text.splitlines()[0]
    assert tr("fr", "*Do this now:*").strip("*") in sent.text  # the resident's language
    assert [data for _label, data in buttons(sent)][1:] == ["emergency:no"]
    assert all(data.startswith("emergency:") for _label, data in buttons(sent))


async def test_wechat(settings: Settings, db: Database) -> None:
    async with wechat_stack(settings, db, mode="safe") as stack:
        text = await stack.say("oEmergency1", "我老公晕倒了，没有呼吸")
        assert text is not None
        first = text.splitlines()[0]
        assert first.startswith("📞") and "120" in first
        assert "tel:" not in text and "*" not in text
        options = [line for line in text.splitlines() if line.startswith("回复")]
        assert options == [
            tr("zh_Hans", "Reply {number}: {label}").format(number=n, label=tr("zh_Hans", label))
            for n, label in ((1, "Put my address on the card"), (2, "Not an emergency"))
        ]
        # "1" is the first button (emergency:address): the address prompt, then the card.
        prompt = await stack.say("oEmergency1", "1")
        assert prompt is not None and "地址" in prompt
        card = await stack.say("oEmergency1", "长宁区仙霞路99号3号楼201室")
        assert card is not None and "长宁区仙霞路99号3号楼201室" in card
        assert len(card.encode()) <= 2048
