"""Fuzzing the running app: generated bodies, headers, payloads, Telegram updates and WeChat
envelopes, POSTed to one server (aiohttp on 127.0.0.1) with all three channels, on SQLite
and PostgreSQL.

After every example: no 5xx, no traceback in the log, /healthz answers, and nothing in the
database holds a NUL byte, a control byte or a lone surrogate. `LINZHU_FUZZ_EXAMPLES` sets
the examples per test (default 50: about 30 s for the whole file on both databases).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.app import build_dispatcher
from bot.channels.base import install
from bot.channels.telegram import TelegramChannel
from bot.channels.webchat.channel import WebChatChannel
from bot.channels.wechat import wechat_component
from bot.channels.wechat.adapter import WeChatChannel
from bot.config import Settings
from bot.handlers.handoff.payloads import LeaveMessage
from bot.knowledge.base import KnowledgeBase
from bot.store.db import Database
from bot.web.app import create_web_app
from fakes.telegram import FakeTelegram
from fakes.wechat import FakeWeChat, running
from fakes.wechat_messages import encrypt, signed_query
from tests.channels.telegram.support import SECRET, telegram_settings
from tests.channels.web.support import API_TOKEN
from tests.channels.wechat.stack import wechat_settings
from tests.storage_scan import unclean_values

EXAMPLES = int(os.environ.get("LINZHU_FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # a fresh search each run; a failure prints its example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- strategies --------------------------------------------------------------------------

# Any code point, surrogates and NUL included (hypothesis leaves surrogates out by default).
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, exclude_categories=("Cs", "Cc")),
    max_size=80,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=6,
)
PREFIXES = [
    "lang:set:",
    "lang:menu",
    "menu:",
    "book:start",
    "book:time:",
    "book:confirm:",
    "book:move:",
    "book:cxok:",
    "faq:fb:",
    "faq:show:",
    "privacy:delete:",
    "staff:att:",
    "events:",
    "school:",
    "medical:",
]
payloads = st.one_of(
    any_text,
    st.builds(
        lambda p, s: p + s,
        st.sampled_from(PREFIXES),
        st.from_regex(r"[0-9a-z:._-]{0,24}", fullmatch=True),
    ),
    st.builds(lambda p, s: p + s, st.sampled_from(PREFIXES), any_text),
)
ids = st.integers(1, 10**6) | st.integers(-(2**70), 2**70) | any_text | st.floats() | st.none()


@dataclass(frozen=True)
class WebRequest:
    body: bytes
    headers: dict[str, str]


def _web_request(fields: Any, raw: bytes | None, headers: dict[str, str]) -> WebRequest:
    body = raw if raw is not None else json.dumps(fields).encode()
    return WebRequest(body, headers)


# Mostly well-formed requests with wild values (they reach the dispatcher and the store);
# the rest malformed in every way (they must be refused cleanly).
web_bodies = st.one_of(
    st.builds(lambda t: {"text": t}, any_text),
    st.builds(lambda t: {"text": t}, any_text),
    st.builds(lambda p: {"payload": p}, payloads),
    st.builds(lambda p: {"payload": p}, payloads),
    st.fixed_dictionaries(
        {},
        optional={
            "text": any_text | json_values,
            "payload": payloads | json_values,
            "user": any_text | json_values,
        },
    ),
    json_values,
)
web_headers = st.fixed_dictionaries(
    {},
    optional={
        "Accept-Language": header_text,
        "Cookie": st.sampled_from(["SESSION", "SESSION", "linzhu_session="])
        | header_text.map(lambda t: f"linzhu_session={t}"),
        "Content-Type": st.sampled_from(["application/json", "text/plain"]) | header_text,
        "X-Forwarded-For": header_text,
    },
)
web_requests = st.builds(
    _web_request,
    web_bodies,
    st.none() | st.none() | st.none() | st.binary(max_size=120),
    web_headers,
)
# A trusted integration: the API token, and a user it names (anything at all).
trusted_requests = st.builds(
    _web_request,
    st.builds(
        lambda u, rest: {"user": u, **rest},
        any_text,
        st.sampled_from([{}]) | web_bodies.filter(lambda b: isinstance(b, dict)),
    ),
    st.none(),
    st.fixed_dictionaries(
        {"Authorization": st.sampled_from([f"Bearer {API_TOKEN}"]) | header_text},
        optional={"Accept-Language": header_text},
    ),
)


def _form(parts: list[tuple[str, str | None, str | None, bytes]], boundary: str) -> bytes:
    """A multipart body as written, whatever the names hold (quotes, CR, LF, surrogates)."""
    body = b""
    for name, filename, content_type, data in parts:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
        head += f'; filename="{filename}"' if filename is not None else ""
        head += f"\r\nContent-Type: {content_type}" if content_type is not None else ""
        body += (head + "\r\n\r\n").encode("utf-8", "surrogatepass") + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode()


def _upload_request(
    parts: list[tuple[str, str | None, str | None, bytes]],
    boundary: str,
    cut: int | None,
    content_type: str | None,
    who: dict[str, str],
) -> WebRequest:
    body = _form(parts, boundary)
    headers = {"Content-Type": content_type or f"multipart/form-data; boundary={boundary}", **who}
    return WebRequest(body if cut is None else body[:cut], headers)


FILES = [b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, b"%PDF-1.4\n%%EOF\n", b"\xff\xd8\xff", b""]
wild_bytes = any_text.map(lambda t: t.encode("utf-8", "surrogatepass"))
file_part = st.tuples(
    st.just("file"),
    st.none() | any_text,
    st.none() | st.sampled_from(["image/png", "application/pdf"]) | header_text,
    st.sampled_from(FILES) | wild_bytes,
)
# A well-formed form (a file, perhaps a caption or a named user) with wild names, types and
# captions, from the browser's session or an integration; or a broken one in every way.
upload_requests = st.one_of(
    st.builds(
        _upload_request,
        st.builds(
            lambda fields, file: [*fields, file],
            st.lists(
                st.tuples(st.sampled_from(["caption", "user"]), st.none(), st.none(), wild_bytes),
                max_size=2,
            ),
            file_part,
        ),
        st.just("b0undary"),
        st.none(),
        st.none(),
        st.sampled_from([{"Cookie": "SESSION"}, {"Authorization": f"Bearer {API_TOKEN}"}]),
    ),
    st.builds(
        _upload_request,
        st.lists(
            file_part
            | st.tuples(
                st.sampled_from(["caption", "user"]) | any_text,
                st.none() | any_text,
                st.none() | header_text,
                wild_bytes,
            ),
            max_size=4,
        ),
        st.sampled_from(["b0undary", "----WebKitFormBoundaryx7"]) | header_text,
        st.none() | st.integers(0, 200),
        st.none() | header_text,
        st.sampled_from([{"Cookie": "SESSION"}, {}, {"Authorization": f"Bearer {API_TOKEN}"}]),
    ),
)

good_ids = st.integers(1, 10**6)
telegram_user = st.fixed_dictionaries(
    {
        "id": good_ids | good_ids | ids,
        "is_bot": st.just(False) | st.booleans(),
        "first_name": any_text,
    },
    optional={"language_code": any_text | ids},
)
telegram_chat = st.fixed_dictionaries(
    {
        "id": good_ids | good_ids | ids,
        "type": st.sampled_from(["private", "private", "group", "supergroup", "channel"])
        | any_text,
    }
)
telegram_message = st.fixed_dictionaries(
    {"message_id": good_ids | ids, "date": good_ids | ids, "chat": telegram_chat},
    optional={"from": telegram_user, "text": any_text | any_text | ids, "caption": any_text},
)
wild_updates = st.fixed_dictionaries(
    {"update_id": st.integers(1, 2**40) | ids},
    optional={
        "message": telegram_message | json_values,
        "callback_query": st.fixed_dictionaries(
            {"id": any_text, "from": telegram_user, "chat_instance": any_text},
            optional={"data": payloads | ids, "message": telegram_message},
        )
        | json_values,
        "my_chat_member": json_values,
    },
)


_update_ids = itertools.count(10**9)


def _private_update(user: int, text: str, language: str | None, tap: bool) -> Any:
    # A fresh update_id each time: hypothesis repeats small numbers, which dedupe would skip.
    uid = next(_update_ids)
    sender = {"id": user, "is_bot": False, "first_name": "R", "language_code": language}
    message = {"message_id": uid, "date": 0, "chat": {"id": user, "type": "private"}}
    if not tap:
        return {"update_id": uid, "message": {**message, "from": sender, "text": text}}
    query = {"id": str(uid), "from": sender, "chat_instance": "c", "data": text}
    return {"update_id": uid, "callback_query": {**query, "message": {**message, "text": "m"}}}


# Well-formed updates from residents in private chats, with wild texts and taps (they reach
# the dispatcher, the store and the sender), and updates malformed in every way.
telegram_updates = st.one_of(
    st.builds(
        _private_update,
        st.integers(1, 50),
        any_text | payloads,
        st.none() | any_text,
        st.booleans(),
    ),
    wild_updates,
)

xml_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
openids = st.from_regex(r"o[A-Za-z0-9_-]{3,27}", fullmatch=True)
numbers = st.integers(0, 2**62).map(str)
clean_payloads = payloads.filter(lambda p: all(not 0xD800 <= ord(c) <= 0xDFFF for c in p))
# A well-formed skeleton with wild content, or anything at all in any field.
wechat_fields = st.one_of(
    st.fixed_dictionaries(
        {
            "ToUserName": st.just("gh_10f6c3c3ac5a"),
            "FromUserName": openids,
            "CreateTime": numbers,
            "MsgType": st.just("text"),
            "Content": xml_text,
            "MsgId": numbers,
        }
    ),
    st.fixed_dictionaries(
        {
            "FromUserName": openids,
            "CreateTime": numbers,
            "MsgType": st.just("event"),
            "Event": st.sampled_from(["subscribe", "unsubscribe", "CLICK", "VIEW", "LOCATION"])
            | xml_text,
        },
        optional={"EventKey": clean_payloads | xml_text},
    ),
    st.fixed_dictionaries(
        {
            "FromUserName": openids,
            "CreateTime": numbers,
            "MsgType": st.sampled_from(["voice", "image", "location", "link", "video"]) | xml_text,
            "MsgId": numbers,
        },
        optional={"Recognition": xml_text, "Content": xml_text},
    ),
    st.fixed_dictionaries(
        {"MsgType": st.sampled_from(["text", "event", "image"]) | xml_text},
        optional={
            "FromUserName": openids | xml_text,
            "CreateTime": numbers | xml_text,
            "MsgId": numbers | xml_text,
            "Content": xml_text,
            "Event": xml_text,
            "EventKey": xml_text,
        },
    ),
)


def wechat_xml(fields: dict[str, str], cdata: bool) -> str:
    parts = [
        f"<{k}><![CDATA[{v}]]></{k}>" if cdata else f"<{k}>{v}</{k}>" for k, v in fields.items()
    ]
    return "<xml>" + "".join(parts) + "</xml>"


# --- the app ----------------------------------------------------------------------------


@dataclass
class App:
    server: TestServer
    client: aiohttp.ClientSession
    telegram: TelegramChannel
    wechat: WeChatChannel
    db: Database
    caplog: pytest.LogCaptureFixture
    session_cookie: str = ""
    seen_records: int = 0

    async def check(self) -> None:
        """The invariants after each example."""
        async with self.client.get("/healthz") as resp:
            assert resp.status == 200
        tracebacks = [
            r.getMessage()
            for r in self.caplog.records[self.seen_records :]
            if r.exc_info or r.exc_text or "Traceback" in r.getMessage()
        ]
        self.seen_records = len(self.caplog.records)
        assert tracebacks == []
        assert await unclean_values(self.db) == []


@pytest.fixture
async def app(
    settings: Settings, db: Database, knowledge: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[App]:
    caplog.set_level(logging.INFO)
    telegram_fake = FakeTelegram(per_chat=1000, overall=10_000)
    await telegram_fake.start()
    async with running(FakeWeChat()) as wechat_fake:
        combined = wechat_settings(
            telegram_settings(
                settings,
                telegram_fake,
                telegram_mode="webhook",
                telegram_rate_chat=100,
                telegram_rate_global=1000,
                telegram_set_commands=False,
            ),
            wechat_fake.url,
            webchat_api_token=SecretStr(API_TOKEN),
            # Limits would turn most examples into 429s; they have tests of their own.
            webchat_rate_per_session=1_000_000,
            webchat_rate_per_address=1_000_000,
        )
        dispatcher = build_dispatcher(combined, db=db, knowledge=knowledge)
        web = WebChatChannel(dispatcher)
        telegram = TelegramChannel(dispatcher, combined)
        wechat = wechat_component(dispatcher)
        assert wechat is not None
        for channel in (web, telegram, wechat):
            install(dispatcher, channel)
        server = TestServer(create_web_app(dispatcher, web, telegram, wechat), host="127.0.0.1")
        await server.start_server()
        await telegram.start()
        await wechat.start()
        jar = aiohttp.DummyCookieJar()  # cookies are part of what is generated
        try:
            async with aiohttp.ClientSession(
                base_url=str(server.make_url("")), cookie_jar=jar
            ) as client:
                async with client.get("/") as resp:
                    cookie = resp.headers["Set-Cookie"].split(";")[0]
                yield App(server, client, telegram, wechat, db, caplog, cookie)
        finally:
            await telegram.stop()
            await wechat.stop()
            await server.close()
            await telegram_fake.stop()


# --- the fuzz tests ----------------------------------------------------------------------


@FUZZ
@given(request=web_requests | trusted_requests)
async def test_web_chat_requests(app: App, request: WebRequest) -> None:
    headers = dict(request.headers)
    if headers.get("Cookie") == "SESSION":
        headers["Cookie"] = app.session_cookie
    async with app.client.post("/api/chat", data=request.body, headers=headers) as resp:
        event(f"web chat {resp.status}")
        assert resp.status < 500, await resp.text()
        if resp.status >= 400:
            assert "error" in await resp.json()
    await app.check()


@FUZZ
@given(request=upload_requests)
async def test_web_chat_uploads(app: App, request: WebRequest) -> None:
    """The browser's session is in a conversation with staff (a left message opens one at
    any hour), so well-formed files reach the handler and the store."""
    headers = dict(request.headers)
    if headers.get("Cookie") == "SESSION":
        headers["Cookie"] = app.session_cookie
        leave = json.dumps({"payload": LeaveMessage().encode()}).encode()
        async with app.client.post("/api/chat", data=leave, headers=headers) as resp:
            assert resp.status == 200
    async with app.client.post("/api/chat/file", data=request.body, headers=headers) as resp:
        event(f"upload {resp.status}")
        assert resp.status < 500, await resp.text()
        if resp.status >= 400:
            assert "error" in await resp.json()
    await app.check()


@FUZZ
@given(
    query=st.fixed_dictionaries({}, optional={"user": any_text, "x": any_text}),
    cookie=st.sampled_from(["SESSION", ""]) | header_text,
)
async def test_web_inbox_and_page(app: App, query: dict[str, str], cookie: str) -> None:
    headers = {"Cookie": app.session_cookie if cookie == "SESSION" else cookie}
    safe_query = {
        k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in query.items()
    }
    for path in ("/api/inbox", "/"):
        async with app.client.get(path, params=safe_query, headers=headers) as resp:
            assert resp.status < 500
    await app.check()


@FUZZ
@given(header=st.binary(max_size=60).filter(lambda b: b"\r" not in b and b"\n" not in b))
async def test_raw_header_bytes(app: App, header: bytes) -> None:
    """Bytes no client library would send: aiohttp hands them to us as surrogates."""
    assert app.server.port is not None
    body = b'{"text": "hello"}'
    request = (
        b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nAccept-Language: " + header + b"\r\n"
        b"Cookie: linzhu_session=" + header + b"\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", app.server.port)
    try:
        writer.write(request)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 30)
    finally:
        writer.close()
    status = int(status_line.split()[1])
    assert status < 500, status_line
    await app.check()


@FUZZ
@given(update=telegram_updates, with_secret=st.sampled_from([True, True, True, False]))
async def test_telegram_updates(app: App, update: dict[str, Any], with_secret: bool) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET if with_secret else "wrong"}
    sent = app.telegram.sender.stats.messages + app.telegram.sender.stats.edits
    async with app.client.post(
        "/telegram/webhook", data=json.dumps(update).encode(), headers=headers
    ) as resp:
        assert resp.status == (200 if with_secret else 403)
    await app.telegram.application.update_queue.join()
    assert await app.telegram.lanes.join(within=30)
    answered = app.telegram.sender.stats.messages + app.telegram.sender.stats.edits > sent
    event(f"telegram answered {answered}")
    await app.check()


@FUZZ
@given(
    fields=wechat_fields,
    cdata=st.booleans() | st.just(True),
    mode=st.sampled_from(["plain", "safe", "compat"]),
    raw=st.none() | st.none() | st.none() | st.binary(max_size=200),
)
async def test_wechat_envelopes(
    app: App, fields: dict[str, str], cdata: bool, mode: str, raw: bytes | None
) -> None:
    xml = wechat_xml(fields, cdata)
    if raw is not None:
        body, query = raw, signed_query()
    elif mode == "plain":
        body, query = xml.encode(), signed_query()
    else:
        sealed, query = encrypt(xml, compatible=mode == "compat")
        body = sealed.encode()
    async with app.client.post("/wechat", params=query, data=body) as resp:
        event(f"wechat {resp.status}")
        assert resp.status in (200, 400, 403, 413), await resp.text()
    await app.wechat.drain(10)
    await app.check()
