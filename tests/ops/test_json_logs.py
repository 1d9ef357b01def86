"""LOG_FORMAT=json: one JSON object per line, each line of a message carries its request id
(the one the web response names), and the redaction still applies."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.channels.webchat.channel import WebChatChannel
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.logs import MASK, setup_logging
from bot.web.app import create_web_app
from fakes.telegram import TOKEN

API = "json-logs-token-0123456789"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "log_format": "json",
            "webchat_api_token": SecretStr(API),
            "telegram_bot_token": SecretStr(TOKEN),
        }
    )


@pytest.fixture
def stream(settings: Settings) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    filters = {h: list(h.filters) for h in handlers}
    out = io.StringIO()
    setup_logging("INFO", settings, stream=out)
    yield out
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler, kept in filters.items():
        handler.filters[:] = kept
    root.setLevel(level)


async def test_json_lines_carry_the_request_id_and_no_secret(
    settings: Settings, dispatcher: Dispatcher, stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = dispatcher.services.knowledge
    assert kb is not None

    async def broken(text: str, previous: str | None = None) -> None:
        logging.getLogger("bot.knowledge").info("deciding a question")
        raise RuntimeError(f"the index broke while calling /bot{TOKEN}/getMe")

    monkeypatch.setattr(kb, "adecide", broken)
    app = create_web_app(dispatcher, WebChatChannel(dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        ids = []
        for user in ("a", "b"):
            resp = await client.post(
                "/api/chat",
                json={"user": user, "text": "what documents do I need for a residence permit"},
                headers={"Authorization": f"Bearer {API}"},
            )
            assert resp.status == 200  # the resident got the apology
            ids.append(resp.headers["X-Request-Id"])
    assert ids[0] != ids[1]
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    assert lines, "nothing logged"
    assert all({"time", "level", "logger", "message", "request_id"} <= set(e) for e in lines)
    for n, rid in enumerate(ids):
        mine = [e for e in lines if e["request_id"] == rid]
        loggers = {e["logger"] for e in mine}
        # The handler's line and the dispatcher's (with the traceback) share the web request's id.
        assert {"bot.knowledge", "bot.core.dispatcher"} <= loggers, mine
        failure = next(e for e in mine if e["logger"] == "bot.core.dispatcher")
        assert failure["level"] == "ERROR"
        if n == 0:
            assert "RuntimeError" in failure["exc"] and MASK in failure["exc"]
        else:  # the same cause again: its traceback is rationed, the line stays
            assert "exc" not in failure and "at most once a minute" in failure["message"]
    everything = stream.getvalue()
    assert TOKEN not in everything and TOKEN.split(":", 1)[1] not in everything
    assert "residence permit" not in everything  # no resident's words
