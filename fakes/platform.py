"""A fake messaging platform on 127.0.0.1 that enforces a send rate the way Telegram does
(HTTP 429 with parameters.retry_after in whole seconds), answers 403 for blocked users, and
records every message it accepted — plus the HTTP sender that talks to it.

Used by the reminder tests and by bench/reminders.py (`--sender fake`).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.core.sender import SendResult
from bot.core.types import Reply, UserRef


@dataclass
class FakePlatform:
    rate: int = 30  # messages accepted per sliding second
    blocked: set[str] = field(default_factory=set)
    accepted: list[tuple[float, str, str]] = field(default_factory=list)  # (time, chat, text)
    too_many: list[tuple[float, int]] = field(default_factory=list)  # (time, retry_after)
    requests: list[float] = field(default_factory=list)
    _window: deque[float] = field(default_factory=deque)
    server: TestServer | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/sendMessage", self._send)
        return app

    async def start(self) -> str:
        self.server = TestServer(self.app(), host="127.0.0.1")
        await self.server.start_server()
        return str(self.server.make_url("/"))

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        now = time.monotonic()
        self.requests.append(now)
        chat, text = str(body["chat_id"]), str(body["text"])
        if chat in self.blocked:
            return web.json_response(
                {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"},
                status=403,
            )
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if len(self._window) >= self.rate:
            retry_after = max(1, math.ceil(self._window[0] + 1.0 - now))
            self.too_many.append((now, retry_after))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                },
                status=429,
            )
        self._window.append(now)
        self.accepted.append((now, chat, text))
        return web.json_response({"ok": True, "result": {"message_id": len(self.accepted)}})

    def count(self, text: str) -> int:
        return sum(1 for _t, _c, t in self.accepted if t == text)


class FakePlatformSender:
    """Sends through the fake platform's HTTP API, mapping its answers to SendResult."""

    def __init__(self, channel: str, base_url: str) -> None:
        self.channel = channel
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        for reply in replies:
            async with self._session.post(
                f"{self.base_url}/sendMessage",
                json={"chat_id": user.external_id, "text": reply.text},
            ) as resp:
                body = await resp.json()
            if resp.status == 429:
                return SendResult.retry(
                    body["description"], after=body["parameters"]["retry_after"]
                )
            if resp.status == 403:
                return SendResult.failed(body["description"])
            if resp.status >= 400:
                return SendResult.retry(f"HTTP {resp.status}")
        return SendResult.sent()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class RecordingSender:
    """An in-process sender that records what it was asked to send, optionally failing."""

    def __init__(self, channel: str = "telegram", results: list[SendResult] | None = None) -> None:
        self.channel = channel
        self.sent: list[tuple[UserRef, list[Reply]]] = []
        self.results = list(results or [])

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult:
        if self.results:
            result = self.results.pop(0)
            if result.status != "sent":
                return result
        self.sent.append((user, replies))
        return SendResult.sent()
