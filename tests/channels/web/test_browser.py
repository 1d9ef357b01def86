"""A real browser opens the web chat, types a message and sees the reply."""

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from bot.channels.webchat.channel import WebChatChannel
from bot.core.dispatcher import Dispatcher
from bot.web.app import create_web_app

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


async def test_type_a_message_and_see_the_reply(server: TestServer) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
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
