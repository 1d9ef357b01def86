"""POST /api/chat and the page, through aiohttp's test client on a real server socket."""

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.webchat.channel import WebChatChannel
from bot.core.dispatcher import Dispatcher
from bot.web.app import create_web_app


@pytest.fixture
async def client(dispatcher: Dispatcher) -> AsyncIterator[TestClient]:
    app = create_web_app(dispatcher, WebChatChannel(dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


async def test_chat_round_trip(client: TestClient) -> None:
    resp = await client.post("/api/chat", json={"text": "/start"})
    assert resp.status == 200
    body = await resp.json()
    assert body["locale"] == "en"
    assert "Linzhu" in body["replies"][0]["text"]
    assert {"label": "Language", "payload": "lang:menu"} in body["replies"][0]["buttons"]
    assert body["ui"]["send"] == "Send"
    resp = await client.post("/api/chat", json={"payload": "lang:set:ko"})
    assert (await resp.json())["locale"] == "ko"  # the same session: the cookie says who


@pytest.mark.parametrize(
    ("raw", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"user": "u", "text": "hi"}', 401, '"user"'),
        (b'{"user": "", "text": "hi"}', 401, '"user"'),
        (b"{}", 400, "exactly one"),
        (b'{"text": "a", "payload": "b"}', 400, "exactly one"),
        (b'{"text": 5}', 400, "must be strings"),
        (b"\xff\xfe", 400, "not valid JSON"),
        (b"[" * 60_000, 400, "not valid JSON"),  # nesting deeper than the parser's recursion
    ],
)
async def test_bad_requests_get_clear_errors(
    client: TestClient, raw: bytes, status: int, fragment: str
) -> None:
    resp = await client.post("/api/chat", data=raw, headers={"Content-Type": "application/json"})
    assert resp.status == status
    assert fragment in (await resp.json())["error"]


async def test_one_megabyte_body_is_413_and_server_stays_up(client: TestClient) -> None:
    resp = await client.post("/api/chat", data=b"x" * (1024 * 1024))
    assert resp.status == 413
    assert "too large" in (await resp.json())["error"]
    resp = await client.post("/api/chat", json={"text": "/help"})
    assert resp.status == 200


async def test_bad_input_leaves_state_unchanged(client: TestClient) -> None:
    await client.post("/api/chat", json={"payload": "lang:set:fr"})
    await client.post("/api/chat", data=b"{broken", headers={"Content-Type": "application/json"})
    await client.post("/api/chat", json={"payload": "no:such"})
    resp = await client.post("/api/chat", json={"text": ""})
    body = await resp.json()
    assert resp.status == 200 and body["locale"] == "fr"


async def test_healthz_reports_database(client: TestClient) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "database": True}


async def test_page_and_assets_are_served_locally(client: TestClient) -> None:
    page = await (await client.get("/")).text()
    assert "/static/chat.js" in page and "http" not in page.split("<body>")[1]
    assert (await client.get("/static/chat.js")).status == 200
    assert (await client.get("/static/chat.css")).status == 200


async def test_the_chat_handler_is_a_method_tests_can_call(dispatcher: Dispatcher) -> None:
    """No server needed: the channel's handler takes an aiohttp request and answers JSON."""
    import asyncio
    from unittest import mock

    from aiohttp import streams
    from aiohttp.test_utils import make_mocked_request
    from aiohttp.web import Application

    channel = WebChatChannel(dispatcher)
    app = Application()
    channel.add_routes(app)
    body = streams.StreamReader(
        mock.Mock(_reading_paused=False), 2**16, loop=asyncio.get_running_loop()
    )
    body.feed_data(b'{"text": "/help"}')
    body.feed_eof()
    request = make_mocked_request("POST", "/api/chat", app=app, payload=body)
    response = await channel.chat(request)
    assert response.status == 200
    assert b"How I can help" in response.body  # type: ignore[operator]
