"""A real browser opens the web chat, types a message and sees the reply."""

import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.channels.webchat.channel import WebChatChannel
from bot.core.dispatcher import Dispatcher
from bot.web.app import create_web_app
from tests.consultations.helpers import future, make_slots

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture
def db_backend() -> str:  # one backend is enough for the page
    return "sqlite"


@pytest.fixture
async def server(dispatcher: Dispatcher) -> AsyncIterator[TestServer]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI=true but Chromium is missing at /usr/bin/chromium", pytrace=False)
        pytest.skip("Chromium not installed (apt-get install chromium); browser test skipped")
    srv = TestServer(create_web_app(dispatcher, WebChatChannel(dispatcher)), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
ADDRESS_NOTE = "请到上海市长宁区古北路1000号3楼门口接我"


async def test_type_a_message_and_see_the_reply(server: TestServer) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page()
            problems: list[str] = []
            # A CSP violation is reported on the console ("Refused to … because it violates
            # the following Content Security Policy directive").
            page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            await page.goto(str(server.make_url("/")))
            # The page greets with /start on load; its menu has a Language button.
            await page.get_by_role("button", name="Language").first.wait_for(timeout=10_000)
            await page.fill("#text", "/help")
            await page.press("#text", "Enter")
            await page.get_by_text("How I can help").wait_for(timeout=10_000)
            await page.get_by_role("button", name="Language").last.click()
            await page.get_by_role("button", name="Deutsch").last.click()
            # (wait_for_function would eval a string, which the page's CSP rightly forbids)
            await page.locator("html[lang='de']").wait_for(state="attached", timeout=10_000)
            # Who the page is lives in an HttpOnly cookie the server set; script cannot read
            # it, the page stores no id of its own, and the strict CSP blocked nothing.
            (cookie,) = await page.context.cookies()
            assert cookie["name"] == "linzhu_session" and cookie["httpOnly"]
            assert cookie["sameSite"] == "Lax"
            assert await page.evaluate("document.cookie") == ""
            assert await page.evaluate("localStorage.length") == 0
            assert problems == []
        finally:
            await browser.close()


async def last_button_in_view(page: Any) -> None:
    """The newest message's last button lies inside the chat log and the phone's screen."""
    from playwright.async_api import expect

    last = page.locator(".msg.bot").last.locator("button").last
    await expect(last).to_be_in_viewport(ratio=1)
    box, log = await last.bounding_box(), await page.locator("#log").bounding_box()
    assert box is not None and log is not None
    assert log["y"] <= box["y"] and box["y"] + box["height"] <= log["y"] + log["height"]
    assert box["y"] + box["height"] <= PHONE["height"]


async def tap_first(page: Any) -> None:
    """Tap the first button of the newest message and wait for the answer."""
    count = await page.locator(".msg.bot").count()
    await page.locator(".msg.bot").last.locator("button").first.click()
    await page.locator(".msg.bot").nth(count).wait_for(timeout=10_000)


async def test_a_phone_keeps_the_conversation_and_the_buttons_in_view(
    server: TestServer, dispatcher: Dispatcher
) -> None:
    """At 390×844: no "/start" bubble; after every reply the last button is on screen; a
    Chinese address as the booking note keeps English; a reload shows the conversation."""
    from playwright.async_api import async_playwright

    await make_slots(dispatcher.services.db, [future(30), future(31), future(54)])
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            page = await context.new_page()
            await page.goto(str(server.make_url("/")))
            await page.get_by_role("button", name="Language").first.wait_for(timeout=10_000)
            assert await page.locator(".msg.user").count() == 0  # no "/start" bubble
            await last_button_in_view(page)
            # Enough messages that the log must scroll on a phone.
            for command in ("/help", "/book"):
                count = await page.locator(".msg.bot").count()
                await page.fill("#text", command)
                await page.press("#text", "Enter")
                await page.locator(".msg.bot").nth(count).wait_for(timeout=10_000)
                await last_button_in_view(page)
            for _step in ("topic", "language", "day", "time"):
                await tap_first(page)
                await last_button_in_view(page)
            await page.get_by_text("Type a short note").wait_for(timeout=10_000)
            await page.fill("#text", ADDRESS_NOTE)
            await page.press("#text", "Enter")
            await page.get_by_text("Please check your consultation").wait_for(timeout=10_000)
            assert await page.evaluate("document.documentElement.lang") == "en"
            await last_button_in_view(page)
            scrolled = await page.evaluate(
                "(() => { const l = document.getElementById('log');"
                " return l.scrollHeight > l.clientHeight; })()"
            )
            assert scrolled, "the conversation should be longer than a phone's screen"

            bubbles = await page.locator(".msg").all_inner_texts()
            await page.reload()
            await page.get_by_text("Please check your consultation").wait_for(timeout=10_000)
            # The same conversation, bubble for bubble, and still no "/start" bubble.
            assert await page.locator(".msg").all_inner_texts() == bubbles
            assert "/start" not in await page.locator(".msg.user").all_inner_texts()
            assert ADDRESS_NOTE in await page.locator(".msg.user").all_inner_texts()
            await last_button_in_view(page)
            # The kept buttons still work: confirm the booking from the reloaded page.
            await page.get_by_role("button", name="✅ Confirm").click()
            await page.get_by_text("Booked!").wait_for(timeout=10_000)
            await last_button_in_view(page)
        finally:
            await browser.close()
