"""Send rate of TelegramSender against the fake Bot API server under Telegram's limits.

    .venv/bin/python bench/telegram_send.py [--messages 300] [--chats 300]
        [--per-chat 1] [--overall 30] [--limiter-per-chat N] [--limiter-overall N]

Runs the fake (fakes/telegram.py) on 127.0.0.1 with the given limits and sends
`messages` messages spread round-robin over `chats` private chats, all at once, through
one TelegramSender (the same path as the reminder dispatcher). Prints messages/s, the 429s
the fake gave (each retried by the sender), and how many messages were lost or duplicated.
The limiter defaults to the fake's limits; set it higher to watch 429 handling work.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.telegram import build_application  # noqa: E402
from bot.channels.telegram.ratelimit import Limits, RateLimiter  # noqa: E402
from bot.channels.telegram.sender import TelegramSender  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.core.types import Reply, UserRef  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.users import UserStore  # noqa: E402
from fakes.telegram import TOKEN, FakeTelegram  # noqa: E402


async def run(args: argparse.Namespace) -> None:
    fake = FakeTelegram(per_chat=args.per_chat, overall=args.overall)
    url = await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade, db_url)
        db = Database(db_url)
        settings = load_settings(
            database_url=db_url, telegram_bot_token=TOKEN, telegram_api_url=url, _env_file=None
        )
        limiter = RateLimiter(
            Limits(
                per_second_global=args.limiter_overall or args.overall,
                per_second_chat=args.limiter_per_chat or args.per_chat,
            )
        )
        application = build_application(settings)
        async with application.bot as bot:
            sender = TelegramSender(bot, limiter, UserStore(db), max_retries=20)
            chats = [10_000 + i for i in range(args.chats)]
            jobs = [(chats[i % len(chats)], f"message {i}") for i in range(args.messages)]
            # Each chat's messages go in order (as one user's reminders would); chats in parallel.
            by_chat: dict[int, list[str]] = {}
            for chat, text in jobs:
                by_chat.setdefault(chat, []).append(text)

            async def one_chat(chat: int, texts: list[str]) -> int:
                failed = 0
                for text in texts:
                    result = await sender.send(UserRef("telegram", str(chat)), [Reply(text)])
                    failed += result.status != "sent"
                return failed

            start = time.monotonic()
            failures = sum(await asyncio.gather(*(one_chat(c, t) for c, t in by_chat.items())))
            elapsed = time.monotonic() - start
        await db.dispose()
    await fake.stop()
    delivered = Counter(text for chat in chats for text in fake.texts(chat))
    expected = {text for _, text in jobs}
    lost = len(expected - set(delivered))
    duplicated = sum(n - 1 for n in delivered.values() if n > 1)
    in_order = all(fake.texts(chat) == texts for chat, texts in by_chat.items())
    print(
        f"fake limits: {args.per_chat}/s per chat, {args.overall}/s overall; "
        f"limiter: {limiter.limits.per_second_chat}/s per chat, "
        f"{limiter.limits.per_second_global}/s overall"
    )
    print(f"messages: {args.messages} to {args.chats} chats in {elapsed:.2f} s")
    print(f"rate: {args.messages / elapsed:.1f} messages/s")
    print(f"429s seen: {fake.too_many} (retried: {sender.stats.retry_after})")
    print(
        f"lost: {lost}, duplicated: {duplicated}, failed results: {failures}, "
        f"in order per chat: {in_order}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--per-chat", type=int, default=1, help="fake: messages/s per chat")
    parser.add_argument("--overall", type=int, default=30, help="fake: messages/s overall")
    parser.add_argument("--limiter-per-chat", type=int, default=0)
    parser.add_argument("--limiter-overall", type=int, default=0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
