"""A running web chat server and independent browsers (each with its own cookie jar)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.channels.webchat.channel import WebChatChannel
from bot.core.dispatcher import Dispatcher
from bot.web.app import create_web_app

API_TOKEN = "test-integration-token-0123456789abcdef"


@asynccontextmanager
async def web_server(dispatcher: Dispatcher) -> AsyncIterator[TestServer]:
    server = TestServer(create_web_app(dispatcher, WebChatChannel(dispatcher)), host="127.0.0.1")
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


@asynccontextmanager
async def browser(server: TestServer, **headers: str) -> AsyncIterator[aiohttp.ClientSession]:
    """A client that keeps its own cookies, as one browser does (unsafe=True: 127.0.0.1)."""
    async with aiohttp.ClientSession(
        base_url=str(server.make_url("")),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        headers=headers,
    ) as session:
        yield session


async def say(client: aiohttp.ClientSession, **body: Any) -> dict[str, Any]:
    async with client.post("/api/chat", json=body) as resp:
        assert resp.status == 200, await resp.text()
        data: dict[str, Any] = await resp.json()
        return data


def button(answer: dict[str, Any], prefix: str) -> str:
    return next(
        b["payload"]
        for r in answer["replies"]
        for b in r["buttons"]
        if b["payload"].startswith(prefix)
    )


def texts(answer: dict[str, Any]) -> str:
    return "\n".join(r["text"] for r in answer["replies"])
