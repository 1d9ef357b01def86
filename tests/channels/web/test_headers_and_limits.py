"""Security headers on every response, rate limits on POST /api/chat, no junk for staff.

Finding 7 of the security review: no CSP, X-Content-Type-Options, frame protection or
Referrer-Policy; the Server header named the aiohttp version; emoji-only and junk messages
all landed in the staff's unanswered-questions list. Plus the limits the issue asks for.
"""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser

import pytest
from pydantic import SecretStr

from bot.app import build_dispatcher
from bot.channels.base import install
from bot.channels.webchat.channel import STATIC, WebChatChannel
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.knowledge.base import KnowledgeBase
from bot.store.db import Database
from bot.store.questions import QuestionStore, worth_filing
from tests.channels.web.support import API_TOKEN, browser, say, web_server
from tests.storage_scan import stored_rows


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webchat_api_token": SecretStr(API_TOKEN),
            "webchat_rate_per_session": 3,
            "webchat_rate_per_address": 5,
        }
    )


def assert_secure_headers(headers: dict[str, str], where: str) -> None:
    csp = headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, where
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("X-Frame-Options") == "DENY", where
    server = headers.get("Server", "")
    assert "aiohttp" not in server.lower() and not re.search(r"\d", server), where


async def test_every_response_carries_the_security_headers(dispatcher: Dispatcher) -> None:
    async with web_server(dispatcher) as server, browser(server) as client:
        for method, path in [
            ("GET", "/"),
            ("GET", "/static/chat.js"),
            ("GET", "/static/chat.css"),
            ("GET", "/healthz"),
            ("GET", "/api/inbox"),
            ("GET", "/nothing-here"),
            ("POST", "/api/chat"),
        ]:
            async with client.request(method, path, json={"text": "/help"}) as resp:
                assert_secure_headers(dict(resp.headers), f"{method} {path}")
                if path.startswith("/api/"):
                    assert resp.headers.get("Cache-Control") == "no-store"


async def test_requests_aiohttp_cannot_parse_do_not_learn_its_version(
    dispatcher: Dispatcher,
) -> None:
    async with web_server(dispatcher) as server:
        assert server.port is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nAccept-Language: \x00\r\n\r\n")
        await writer.drain()
        answer = (await reader.read(4096)).decode("latin-1")
        writer.close()
    assert answer.startswith("HTTP/1.0 400") or answer.startswith("HTTP/1.1 400")
    server_header = re.search(r"(?im)^Server: (.*)$", answer)
    assert server_header is not None and "aiohttp" not in server_header.group(1).lower()


async def test_embedding_is_allowed_only_for_the_named_origins(
    settings: Settings, db: Database, knowledge: KnowledgeBase
) -> None:
    allowed = settings.model_copy(
        update={"webchat_frame_ancestors": "https://www.example.org https://partner.example"}
    )
    dispatcher = build_dispatcher(allowed, db=db, knowledge=knowledge)
    install(dispatcher, WebChatChannel(dispatcher))
    async with web_server(dispatcher) as server, browser(server) as client, client.get("/") as resp:
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors https://www.example.org https://partner.example" in csp
        assert "X-Frame-Options" not in resp.headers


class _Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "style" or "style" in names or any(n.startswith("on") for n in names):
            self.problems.append(f"inline style or handler in <{tag}>")
        self._in_script = tag == "script"
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("script content")


def test_the_page_has_no_inline_script_or_style() -> None:
    parser = _Inline()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    assert parser.problems == []


async def test_chat_is_rate_limited_per_session_and_per_address(dispatcher: Dispatcher) -> None:
    async with web_server(dispatcher) as server:
        async with browser(server) as alice:
            for _ in range(3):
                await say(alice, text="/help")
            async with alice.post("/api/chat", json={"text": "/help"}) as resp:
                assert resp.status == 429
                assert 1 <= int(resp.headers["Retry-After"]) <= 60
                assert "wait" in (await resp.json())["error"]
        async with browser(server) as bob:  # another session from the same address
            await say(bob, text="/help")
            async with bob.post("/api/chat", json={"text": "/help"}) as resp:
                assert resp.status == 429  # the address's 5 are used up (4 + this one)
        # Behind the (trusted, local) reverse proxy, each client address counts on its own.
        async with browser(server, **{"X-Forwarded-For": "203.0.113.9"}) as carol:
            await say(carol, text="/help")
        # A trusted integration brings its own limits.
        async with browser(server, Authorization=f"Bearer {API_TOKEN}") as kiosk:
            for n in range(8):
                await say(kiosk, user=f"kiosk-{n % 2}", text="/help")


@pytest.mark.parametrize(
    ("text", "filed"),
    [
        ("😀👍🎉", False),
        ("12345", False),
        ("?!?!", False),
        ("k", False),
        ("🙂 x", False),
        ("猫", True),
        ("where can I register a drone", True),
    ],
)
def test_only_questions_are_worth_filing(text: str, filed: bool) -> None:
    assert worth_filing(text) is filed


async def test_emoji_and_junk_do_not_reach_the_staffs_list(
    dispatcher: Dispatcher, db: Database
) -> None:
    async with web_server(dispatcher) as server, browser(server) as alice:
        for junk in ("😀😀😀", "...", "1234"):  # three: this module limits a session to 3
            await say(alice, text=junk)
    assert await stored_rows(db, "unanswered_questions") == []
    assert await QuestionStore(db).record_unanswered(
        user_id=None, channel="web", text="🐱🐱", locale="en"
    ) is None  # fmt: skip
