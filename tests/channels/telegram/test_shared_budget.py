"""Two workers' Telegram senders share one budget through PostgreSQL.

Each "worker" is a TelegramSender with its own Database (its own pool and connections) and
its own limiter, as two processes would have: they share nothing but the database. The fake
Bot API enforces Telegram's limits (1/s per chat, 30/s overall) and counts every 429; it
also records when each message arrived, which the test checks window by window.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.channels.telegram.adapter import build_application
from bot.channels.telegram.ratelimit import Limits, RateLimiter, limiter_for
from bot.channels.telegram.sender import TelegramSender
from bot.config import Settings
from bot.core.types import Reply, UserRef
from bot.store.db import Database
from bot.store.users import UserStore
from fakes.telegram import FakeTelegram
from tests.channels.telegram.support import telegram_settings

pytestmark = pytest.mark.postgres
LIMITS = Limits(per_second_global=30, per_second_chat=1)
CHATS = [40_000 + i for i in range(60)]
PER_CHAT = 2  # 120 messages, 60 from each worker: about four seconds at 30/s


@pytest.fixture
def db_backend() -> str:
    return "postgres"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(per_chat=1, overall=30)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(settings: Settings, fake: FakeTelegram) -> AsyncIterator[Bot]:
    application = build_application(telegram_settings(settings, fake))
    async with application.bot as ready:
        yield ready


async def run_two_workers(
    bot: Bot, url: str, schema: str | None, limiter: type[RateLimiter] | None
) -> list[str]:
    """Both workers send to every chat at once; returns what the workers saw."""
    workers = [Database(url, pool_size=3, schema=schema) for _ in range(2)]
    try:
        senders = [
            TelegramSender(
                bot,
                limiter_for(db, LIMITS) if limiter is None else limiter(LIMITS),
                UserStore(db),
                max_retries=20,
            )
            for db in workers
        ]

        async def chat(sender: TelegramSender, n: int, chat_id: int) -> str:
            statuses = []
            for i in range(PER_CHAT // 2):
                reply = Reply(f"w{n} chat {chat_id} #{i}")
                statuses.append(
                    (await sender.send(UserRef("telegram", str(chat_id)), [reply])).status
                )
            return ",".join(statuses)

        return await asyncio.gather(
            *(chat(sender, n, c) for n, sender in enumerate(senders) for c in CHATS)
        )
    finally:
        for db in workers:
            await db.dispose()


def busiest(times: list[float], period: float) -> int:
    """The most arrivals within any `period` seconds."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= period:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_two_workers_never_exceed_the_shared_budget(
    bot: Bot, fake: FakeTelegram, db: Database, db_url: tuple[str, str | None]
) -> None:
    statuses = await run_two_workers(bot, *db_url, limiter=None)
    assert all(s == "sent" for joined in statuses for s in joined.split(","))
    sends = [c for c in fake.calls if c.method == "sendMessage"]
    assert fake.too_many == 0, "a 429 means the workers together broke Telegram's limits"
    assert len(sends) == len(CHATS) * PER_CHAT
    assert busiest([c.at for c in sends], 1.0) <= 30
    for chat_id in CHATS:
        assert busiest([c.at for c in sends if c.params["chat_id"] == chat_id], 1.0) <= 1
    assert sorted(fake.texts(CHATS[0])) == sorted(f"w{n} chat {CHATS[0]} #0" for n in range(2))


async def test_without_sharing_two_workers_do_exceed_it(
    bot: Bot, fake: FakeTelegram, db: Database, db_url: tuple[str, str | None]
) -> None:
    """The control: each worker pacing itself alone earns 429s (what the test above rules out)."""
    await run_two_workers(bot, *db_url, limiter=RateLimiter)
    assert fake.too_many > 0
