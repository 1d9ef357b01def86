"""Reminder throughput: N reminders due at once, sent by the outbox dispatcher through a sender
against a platform that enforces a rate limit (429 + retry_after, like Telegram's 30 msg/s).

    .venv/bin/python bench/reminders.py [--count 10000] [--limit 30] [--sender fake]
                                        [--dispatch-rate 29] [--database-url URL]

Prints messages/s sustained, 429s seen, lost (due but never delivered) and duplicated
(delivered more than once). Target: >= 27 msg/s (90% of the limit), zero lost.

Senders are pluggable (SENDERS below): `fake` is an HTTP client against the fake platform in
fakes/platform.py; `telegram` is the real Telegram sender (python-telegram-bot's HTTP
stack and our limiter) against the fake Bot API server of fakes/telegram.py.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.core.channel import Channels  # noqa: E402
from bot.core.sender import Sender  # noqa: E402
from bot.core.types import Reply, utcnow  # noqa: E402
from bot.reminders.dispatcher import DispatcherConfig, ReminderDispatcher  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.outbox import OutboxMessage  # noqa: E402
from bot.store.tables import User  # noqa: E402
from fakes.platform import FakePlatform, FakePlatformSender  # noqa: E402

CHANNEL = "telegram"


@dataclass
class SenderSetup:
    """A sender plus what the platform on the other side saw."""

    sender: Sender
    delivered: Callable[[], list[str]]  # texts the platform accepted, in order
    too_many: Callable[[], int]  # 429 answers given
    close: Callable[[], Awaitable[None]]


async def fake_sender(limit: int) -> SenderSetup:
    platform = FakePlatform(rate=limit)
    url = await platform.start()
    sender = FakePlatformSender(CHANNEL, url)

    async def close() -> None:
        await sender.close()
        await platform.stop()

    return SenderSetup(
        sender,
        lambda: [t for _at, _chat, t in platform.accepted],
        lambda: len(platform.too_many),
        close,
    )


async def telegram_sender(limit: int) -> SenderSetup:
    """The real TelegramSender (python-telegram-bot's HTTP stack and our limiter) against the
    fake Bot API server, which answers 429 + retry_after past `limit` messages/s."""
    from bot.channels.telegram.adapter import build_application
    from bot.channels.telegram.ratelimit import Limits, RateLimiter
    from bot.channels.telegram.sender import TelegramSender
    from bot.config import load_settings
    from bot.store.users import UserStore
    from fakes.telegram import TOKEN, FakeTelegram

    platform = FakeTelegram(overall=limit, per_chat=1)
    url = await platform.start()
    settings = load_settings(telegram_bot_token=TOKEN, telegram_api_url=url, _env_file=None)
    bot = build_application(settings).bot
    await bot.initialize()
    limiter = RateLimiter(Limits(per_second_global=limit, per_second_chat=1))
    users = UserStore(Database("sqlite+aiosqlite:///:memory:"))  # only used on a 403
    sender = TelegramSender(bot, limiter, users)

    async def close() -> None:
        await bot.shutdown()
        await platform.stop()

    return SenderSetup(
        sender,
        lambda: [t for log in platform.chat_log.values() for t in (s.text for s in log) if t],
        lambda: platform.too_many,
        close,
    )


SENDERS: dict[str, Callable[[int], Awaitable[SenderSetup]]] = {
    "fake": fake_sender,
    "telegram": telegram_sender,
}


async def seed(db: Database, count: int) -> None:
    now = utcnow()
    async with db.transaction() as session:
        await session.execute(
            insert(User),
            [
                {
                    "channel": CHANNEL,
                    "external_id": str(100000 + n),
                    "first_seen": now,
                    "last_seen": now,
                    "active": True,
                    "reminders_enabled": True,
                    "locale": ("en", "zh_Hans", "ja", "fr")[n % 4],
                }
                for n in range(count)
            ],
        )
        ids = (await session.execute(select(User.id).order_by(User.id))).scalars().all()
        await session.execute(
            insert(OutboxMessage),
            [
                {
                    "user_id": uid,
                    "channel": CHANNEL,
                    "kind": "bench",
                    "payload": {"n": n},
                    "due_at": now - timedelta(seconds=1),
                    "status": "pending",
                    "attempts": 0,
                    "dedupe_key": f"bench:{n}",
                    "created_at": now,
                }
                for n, uid in enumerate(ids)
            ],
        )


async def remaining(db: Database) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(OutboxMessage)
        return int(
            (
                await session.execute(
                    query.where(OutboxMessage.status.in_(["pending", "sending"]))  # type: ignore[attr-defined]
                )
            ).scalar_one()
        )


async def run(args: argparse.Namespace, url: str, schema: str | None) -> None:
    db = Database(url, pool_size=5, schema=schema)
    setup = await SENDERS[args.sender](args.limit)
    try:
        await seed(db, args.count)
        senders = Channels()
        senders.attach(setup.sender)
        config = DispatcherConfig(
            rate_per_second=args.dispatch_rate,
            batch_size=100,
            poll_seconds=0.2,
            lease_seconds=60,
        )
        renderers = {"bench": lambda p: [Reply(f"bench {p['n']}")]}
        dispatchers = [
            ReminderDispatcher(db, senders, config, renderers=renderers)
            for _ in range(args.workers)
        ]
        stop = asyncio.Event()
        started = time.monotonic()
        tasks = [asyncio.create_task(d.run(stop)) for d in dispatchers]
        last_report = started
        while (left := await remaining(db)) > 0:
            await asyncio.sleep(0.5)
            if time.monotonic() - last_report >= 15:
                last_report = time.monotonic()
                done = len(setup.delivered())
                print(
                    f"  {done} delivered, {left} left, {done / (last_report - started):.1f} msg/s",
                    flush=True,
                )
        elapsed = time.monotonic() - started
        stop.set()
        await asyncio.gather(*tasks)
        delivered = Counter(setup.delivered())
        expected = {f"bench {n}" for n in range(args.count)}
        lost = len(expected - set(delivered))
        duplicated = sum(c - 1 for c in delivered.values() if c > 1)
        async with db.session() as session:
            statuses = dict(
                (
                    await session.execute(
                        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                    )
                ).all()
            )
        print(
            f"sender={args.sender} database={'postgresql' if db.is_postgres else 'sqlite'} "
            f"workers={args.workers} limit={args.limit}/s dispatch-rate={args.dispatch_rate}/s"
        )
        print(f"reminders:        {args.count}")
        print(f"elapsed:          {elapsed:.1f} s")
        print(f"messages/s:       {len(set(delivered)) / elapsed:.2f}")
        print(f"429s seen:        {setup.too_many()}")
        print(f"lost:             {lost}")
        print(f"duplicated:       {duplicated}")
        print(f"outbox statuses:  {statuses}")
    finally:
        await setup.close()
        if schema:
            async with db.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=30, help="platform limit, messages/s")
    parser.add_argument("--dispatch-rate", type=float, default=29, help="dispatcher pacing")
    parser.add_argument("--sender", choices=sorted(SENDERS), default="fake")
    parser.add_argument("--workers", type=int, default=1, help="dispatchers (PostgreSQL)")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    if args.database_url:
        url, schema = args.database_url, f"bench_{uuid.uuid4().hex[:8]}"
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
        schema = None
    upgrade(url, schema)
    asyncio.run(run(args, url, schema))


if __name__ == "__main__":
    main()
