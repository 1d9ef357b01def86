"""Every error of the web chat API is JSON in the browser's language (Accept-Language), as the
README promises (issue 16, finding 6)."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.webchat.channel import WebChatChannel
from bot.core.dispatcher import Dispatcher
from bot.i18n import LOCALES
from bot.web.app import create_web_app
from tests.harness import tr
from tests.paths import ROOT

REQUESTS = [
    ("POST", "/api/chat", b"{not json", 400, "The request is not valid JSON."),
    ("POST", "/api/chat", b"[1]", 400, "The request must be a JSON object."),
    ("POST", "/api/chat", b'{"text": "hi"}', 400,
     'Field "user" must be a non-empty string (at most 128 characters).'),
    ("POST", "/api/chat", b'{"user": "u"}', 400, 'Send exactly one of "text" or "payload".'),
    ("POST", "/api/chat", b'{"user": "u", "text": 5}', 400,
     '"text" and "payload" must be strings.'),
    ("POST", "/api/chat", b"x" * (1024 * 1024), 413, "The request is too large."),
    ("GET", "/api/inbox", b"", 400,
     'Field "user" must be a non-empty string (at most 128 characters).'),
    ("GET", "/api/chat", b"", 405, "This address does not accept this kind of request."),
    ("GET", "/api/nothing", b"", 404, "There is nothing at this address."),
]  # fmt: skip
HEADERS = {"de": "de-DE,de;q=0.9,en;q=0.5", "ja": "ja", "zh_Hant": "zh-TW", "ru": "ru-RU"}


@pytest.fixture
async def client(dispatcher: Dispatcher) -> AsyncIterator[TestClient]:
    app = create_web_app(dispatcher, WebChatChannel(dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize("locale", sorted(HEADERS))
async def test_every_api_error_is_in_the_browsers_language(client: TestClient, locale: str) -> None:
    for method, path, body, status, message in REQUESTS:
        resp = await client.request(
            method, path, data=body, headers={"Accept-Language": HEADERS[locale]}
        )
        assert resp.status == status, path
        error = (await resp.json())["error"]
        assert error == tr(locale, message) and error != message, (locale, message)


def test_every_api_error_in_the_code_is_covered() -> None:
    """A new api_error(...) call needs a line above (and its translations)."""
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "api_error"
                and len(node.args) == 3
                and isinstance(node.args[2], ast.Constant)
            ):
                found.add(node.args[2].value)
    tested = {message for *_rest, message in REQUESTS} | {"Something went wrong on our side."}
    assert found and found <= tested, found - tested
    for message in tested:
        assert all(tr(loc, message) != message for loc in LOCALES if loc != "en"), message
