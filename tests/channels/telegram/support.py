"""Fixtures for the Telegram tests: the fake Bot API server and a running channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_dispatcher
from bot.channels.base import install
from bot.channels.telegram import TelegramChannel
from bot.config import Settings, load_settings
from bot.store.db import Database
from bot.web.app import create_web_app
from fakes.telegram import TOKEN, FakeTelegram

SECRET = "test-secret_123"
# Tests run the fake at 10 messages/s per chat and 100/s overall (Telegram: 1 and 30) so a
# 50-message burst takes seconds; the limiter is configured to match, as in production.
PER_CHAT = 10
OVERALL = 100


def telegram_settings(base: Settings, fake: FakeTelegram, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": base.database_url,
        "database_schema": base.database_schema,
        "telegram_bot_token": TOKEN,
        "telegram_api_url": fake.url,
        "telegram_mode": "polling",
        "telegram_webhook_secret": SECRET,
        "telegram_rate_chat": PER_CHAT,
        "telegram_rate_global": OVERALL,
        "telegram_poll_timeout": 5,
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


@asynccontextmanager
async def running_channel(
    settings: Settings, db: Database
) -> AsyncIterator[tuple[TelegramChannel, TestClient]]:
    """The channel started as `linzhu serve` starts it, with our web app on 127.0.0.1."""
    dispatcher = build_dispatcher(settings, db=db)
    channel = TelegramChannel(dispatcher, settings)
    install(dispatcher, channel)
    app = create_web_app(dispatcher, channel)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        await channel.start()
        try:
            yield channel, client
        finally:
            await channel.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API on 127.0.0.1 with the channel tests' rate limits."""
    server = FakeTelegram(per_chat=PER_CHAT, overall=OVERALL)
    await server.start()
    yield server
    await server.stop()
