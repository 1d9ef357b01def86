"""Updates with the wrong types or dirty text: acknowledged, one log line, nothing stored dirty.

Finding 6 of the security review: a string `chat.id` reached the rate limiter as a string
(TypeError with a traceback); lone surrogates and NUL bytes reached the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import Settings
from bot.store.db import Database
from fakes.telegram import FakeTelegram
from tests.channels.telegram.support import SECRET, running_channel, telegram_settings
from tests.storage_scan import stored_rows, unclean_values

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(per_chat=10, overall=100)
    await server.start()
    yield server
    await server.stop()


def with_changes(update: dict[str, Any], **changes: Any) -> dict[str, Any]:
    message = dict(update["message"])
    for path, value in changes.items():
        target = message
        *parents, leaf = path.split("__")
        for parent in parents:
            target[parent] = dict(target[parent])
            target = target[parent]
        target[leaf] = value
    return {**update, "message": message}


async def test_wrongly_typed_and_dirty_updates(
    settings: Settings, db: Database, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    webhook = telegram_settings(settings, fake, telegram_mode="webhook")
    async with running_channel(webhook, db) as (_channel, client):
        base = fake.message_update(606, "hello")
        wrong = [
            with_changes(base, chat__id="606"),  # a string chat id
            with_changes(base, chat__id=606.5),
            with_changes(base, **{"from__id": "606"}),
            with_changes(base, **{"from__id": True}),
            with_changes(base, text=["not", "text"]),
        ]
        for update in wrong:
            update["update_id"] = fake.next_update_id()
            resp = await client.post("/telegram/webhook", json=update, headers=HEADERS)
            assert resp.status == 200  # acknowledged, or Telegram resends it forever
        # Answered, with what can be used of them.
        dirty = fake.message_update(607, "where\x00 is \ud800 the clinic", language_code="x" * 80)
        odd_language = with_changes(fake.message_update(608, "/start"), from__language_code=5)
        for update in (dirty, odd_language):
            resp = await client.post("/telegram/webhook", json=update, headers=HEADERS)
            assert resp.status == 200
        await fake.wait_until(lambda: bool(fake.chat_log[607] and fake.chat_log[608]))
        await asyncio.sleep(0.2)
    assert fake.chat_log[606] == []  # nothing answered to the malformed ones
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert await unclean_values(db) == []
    users = {u["external_id"]: u for u in await stored_rows(db, "users")}
    assert set(users) == {"607", "608"}
    assert users["607"]["platform_language"] is None and users["608"]["platform_language"] is None
