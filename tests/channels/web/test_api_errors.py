"""Every error of the web chat API is JSON in the browser's language (Accept-Language), as the
README promises (issue 16, finding 6)."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.channels.webchat.channel import WebChatChannel
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.i18n import LOCALES
from bot.web.app import create_web_app
from tests.harness import tr
from tests.paths import ROOT

TOKEN = "api-errors-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NAMED = (
    'A "user" can only be named with the API token; the web chat knows its visitors by '
    "their session cookie."
)
NOT_A_FORM = 'Send the file as multipart/form-data, in a part named "file".'
TOO_BIG = (
    "This file is too big to pass on to staff (the limit is {size}). Please send a "
    "smaller photo, or the document in several pages."
)
UPLOAD_LIMIT = 1024  # HANDOFF_ATTACHMENT_MAX_BYTES here: "1 kB" in the message
BOUNDARY = "api-errors-boundary"
FORM = {**AUTH, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def multipart(*files: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode()
        + data
        + b"\r\n"
        for data in files
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


REQUESTS: list[tuple[str, str, bytes, dict[str, str], int, str]] = [
    ("POST", "/api/chat", b"{not json", {}, 400, "The request is not valid JSON."),
    ("POST", "/api/chat", b"[1]", {}, 400, "The request must be a JSON object."),
    ("POST", "/api/chat", b'{"user": "u", "text": "hi"}', {}, 401, NAMED),
    ("GET", "/api/inbox?user=u", b"", {}, 401, NAMED),
    ("GET", "/api/inbox", b"", {}, 401, "No chat session: reload the page to start one."),
    ("POST", "/api/chat", b'{"text": "hi"}', {"Authorization": "Bearer wrong"}, 401,
     "The API token is missing or wrong."),
    ("POST", "/api/chat", b'{"text": "hi"}', {"Sec-Fetch-Site": "cross-site"}, 403,
     "Requests from other sites are not accepted."),
    ("POST", "/api/chat", b'{"text": "hi"}', AUTH, 400,
     'Field "user" must be a non-empty string (at most 128 characters).'),
    ("POST", "/api/chat", b'{"user": "a\\u0000b", "text": "hi"}', AUTH, 400,
     'Field "user" contains characters that are not allowed.'),
    ("POST", "/api/chat", b'{"text": "a", "payload": "b"}', {}, 400,
     'Send exactly one of "text" or "payload".'),
    ("POST", "/api/chat", b'{"text": 5}', {}, 400, '"text" and "payload" must be strings.'),
    ("POST", "/api/chat", b"x" * (1024 * 1024), {}, 413, "The request is too large."),
    ("GET", "/api/chat", b"", {}, 405, "This address does not accept that method."),
    ("GET", "/api/nothing", b"", {}, 404, "There is nothing at this address."),
    ("POST", "/api/chat/file", multipart(b"x"), {}, 401,
     "No chat session: reload the page to start one."),
    ("POST", "/api/chat/file", b'{"text": "hi"}', {**AUTH, "Content-Type": "application/json"},
     400, NOT_A_FORM),
    ("POST", "/api/chat/file", multipart(b""), FORM, 400, "The file is empty."),
    ("POST", "/api/chat/file", multipart(b"a", b"b"), FORM, 400, "Send one file at a time."),
    ("POST", "/api/chat/file", multipart(b"x" * (UPLOAD_LIMIT + 65 * 1024)), FORM, 413, TOO_BIG),
]  # fmt: skip
# Reached only under load or through a proxy's failure: covered by their own tests.
ELSEWHERE = {
    "Something went wrong on our side.",
    "Too many messages in a short time. Please wait a moment.",
    "The request is malformed.",
    "The request could not be handled.",
}
HEADERS = {"de": "de-DE,de;q=0.9,en;q=0.5", "ja": "ja", "zh_Hant": "zh-TW", "ru": "ru-RU"}
SIZES = {"de": "1 kB", "ja": "1 KB", "zh_Hant": "1 kB", "ru": "1 кБ"}  # UPLOAD_LIMIT, as written


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webchat_api_token": SecretStr(TOKEN),
            "handoff_attachment_max_bytes": UPLOAD_LIMIT,
        }
    )


@pytest.fixture
async def client(dispatcher: Dispatcher) -> AsyncIterator[TestClient]:
    app = create_web_app(dispatcher, WebChatChannel(dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize("locale", sorted(HEADERS))
async def test_every_api_error_is_in_the_browsers_language(client: TestClient, locale: str) -> None:
    for method, path, body, headers, status, message in REQUESTS:
        resp = await client.request(
            method, path, data=body, headers={"Accept-Language": HEADERS[locale], **headers}
        )
        assert resp.status == status, (path, body[:40])
        error = (await resp.json())["error"]
        expected = (
            tr(locale, message).format(size=SIZES[locale])
            if "{size}" in message
            else tr(locale, message)
        )
        assert error == expected and error != message, (locale, message)


def _messages_in_the_code() -> set[str]:
    """The N_("…") messages given to api_error(...), Refused(...) and BadUpload(...) (the
    upload's refusals, bot/channels/webchat/upload.py) anywhere in bot/."""
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {
                "api_error",
                "Refused",
                "BadUpload",
            }:
                for arg in ast.walk(node):
                    if (
                        isinstance(arg, ast.Call)
                        and getattr(arg.func, "id", None) == "N_"
                        and isinstance(arg.args[0], ast.Constant)
                    ):
                        found.add(arg.args[0].value)
    return found


def test_every_api_error_in_the_code_is_covered() -> None:
    """A new error message needs a line above (and its translations)."""
    found = _messages_in_the_code()
    tested = {message for *_rest, message in REQUESTS} | ELSEWHERE
    assert len(found) >= 10 and found <= tested, found - tested
    for message in tested:
        assert all(tr(loc, message) != message for loc in LOCALES if loc != "en"), message
