"""The console on a real aiohttp server (with the web chat beside it), accounts to log in
with, and Chromium through Playwright."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bot.channels.webchat.channel import WebChatChannel
from bot.core.dispatcher import Dispatcher
from bot.store.staff.accounts import StaffAccounts
from bot.web.app import create_web_app
from bot.web.staff.component import StaffConsole
from tests.paths import ROOT

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long test password"
# Screenshots and other things a run leaves for people to look at (git ignores the folder).
ARTIFACTS = Path(os.environ.get("LINZHU_ARTIFACTS", ROOT / "test-artifacts"))
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
async def server(dispatcher: Dispatcher) -> AsyncIterator[TestServer]:
    app = create_web_app(dispatcher, WebChatChannel(dispatcher), StaffConsole(dispatcher.services))
    srv = TestServer(app, host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@dataclass(frozen=True)
class Accounts:
    admin: str = "admin"
    desk: str = "desk"
    consultant: str = "consultant"


@pytest.fixture
async def accounts(dispatcher: Dispatcher) -> Accounts:
    store = StaffAccounts(dispatcher.services.db)
    for role in ("admin", "desk", "consultant"):
        await store.add(role, PASSWORD, role)
    return Accounts()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def need_chromium() -> None:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("CI=true but Chromium is missing at /usr/bin/chromium", pytrace=False)
        pytest.skip("Chromium not installed (apt-get install chromium); browser test skipped")


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    need_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            yield launched
        finally:
            await launched.close()


class Browsing:
    """One logged-in browser tab, collecting any CSP violation or script error."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base.rstrip("/")
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))

    def _console(self, message: Any) -> None:
        # A status the test provoked (401 on a wrong password) or /favicon.ico is no problem.
        if message.text.startswith("Failed to load resource"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(message.text)

    async def goto(self, path: str) -> Any:
        return await self.page.goto(self.base + path)

    async def login(self, username: str, password: str = PASSWORD) -> None:
        await self.goto("/staff/login")
        await self.page.fill("input[name=username]", username)
        await self.page.fill("input[name=password]", password)
        await self.page.click("button[type=submit]")
        await self.page.wait_for_url(re.compile(r".*/staff/(today|.*)$"))

    async def shot(self, name: str) -> Path:
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = ARTIFACTS / f"staff-{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path


async def open_tab(browser: Any, server: TestServer, size: str = "desktop") -> Browsing:
    context = await browser.new_context(viewport=SIZES[size], is_mobile=size == "phone")
    return Browsing(await context.new_page(), str(server.make_url("/")))
