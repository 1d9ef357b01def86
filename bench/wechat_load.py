"""Load benchmark of POST /wechat in safe (AES) mode, with WeChat-style duplicate deliveries.

    .venv/bin/python bench/wechat_load.py --users 50 --seconds 10 [--workers 2]
        [--duplicates 2] [--database-url URL] [--long-burst 30]

Starts `linzhu serve` (`--workers N`) as a subprocess on 127.0.0.1; each simulated user
sends signed, encrypted text messages. Every message is also delivered `--duplicates` more
times at once. Prints latency, how many messages were answered passively within WeChat's
5 seconds, whether any message was answered more than once, and a /healthz probe (every
50 ms) during the load. `--long-burst N` then sends N messages of 4,000 Chinese characters
at once and reports how fast their passive replies came.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_load import long_text  # noqa: E402
from bench.loadkit import (  # noqa: E402
    BenchDatabase,
    HealthProbe,
    ms,
    pct,
    start_linzhu,
    wait_ready,
)
from fakes.wechat_messages import AES_KEY, APP_ID, TOKEN, encrypt, text_xml  # noqa: E402

SCRIPT = ["/start", "6", "2", "/help", "我的孩子怎么上学？", "1", "/language", "4"]


async def drive(
    urls: list[str], users: int, seconds: float, duplicates: int
) -> tuple[list[float], dict[str, int]]:
    latencies: list[float] = []
    counts = {"messages": 0, "passive": 0, "success": 0, "errors": 0, "answered_twice": 0}
    ids = itertools.count(10**12)
    stop_at = time.monotonic() + seconds

    async def post(
        session: aiohttp.ClientSession, url: str, body: str, query: dict[str, str]
    ) -> str:
        start = time.perf_counter()
        try:
            async with session.post(url + "/wechat", params=query, data=body.encode()) as resp:
                text = await resp.text()
                if resp.status != 200:
                    counts["errors"] += 1
                    return ""
        except aiohttp.ClientError:
            counts["errors"] += 1
            return ""
        latencies.append(time.perf_counter() - start)
        return text

    async def user(n: int, session: aiohttp.ClientSession) -> None:
        for i in itertools.count():
            if time.monotonic() >= stop_at:
                return
            xml = text_xml(f"bench-{n}", SCRIPT[i % len(SCRIPT)], msg_id=next(ids))
            body, query = encrypt(xml)
            targets = [random.choice(urls) for _ in range(1 + duplicates)]
            answers = await asyncio.gather(*(post(session, u, body, query) for u in targets))
            counts["messages"] += 1
            passive = sum(a.startswith("<xml") for a in answers)
            counts["passive"] += passive > 0
            counts["success"] += sum(a == "success" for a in answers)
            counts["answered_twice"] += passive > 1

    connector = aiohttp.TCPConnector(limit=users * (1 + duplicates))
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(user(n, session) for n in range(users)))
    return latencies, counts


async def long_burst(urls: list[str], count: int) -> tuple[list[float], int, HealthProbe]:
    """`count` users send 4,000 Chinese characters at once; (latencies, passive, probe)."""
    probe = HealthProbe(urls)
    probe.start()
    await asyncio.sleep(0.5)
    latencies: list[float] = []
    passive = 0

    async def one(n: int, session: aiohttp.ClientSession) -> None:
        nonlocal passive
        body, query = encrypt(text_xml(f"burst-{n}", long_text("long-zh")))
        start = time.perf_counter()
        async with session.post(urls[n % len(urls)] + "/wechat", params=query, data=body) as resp:
            answer = await resp.text()
        latencies.append(time.perf_counter() - start)
        passive += answer.startswith("<xml")

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*(one(n, session) for n in range(count)))
    await asyncio.sleep(0.3)
    await probe.stop()
    return latencies, passive, probe


async def measure(args: argparse.Namespace, urls: list[str], db: str, mode: str) -> None:
    for url in urls:
        await wait_ready(url)
    print(
        f"{args.users} users, {args.seconds:g} s, {db}, linzhu: {mode}, "
        f"each message delivered {1 + args.duplicates}x"
    )
    probe = HealthProbe(urls)
    probe.start()
    latencies, counts = await drive(urls, args.users, args.seconds, args.duplicates)
    await probe.stop()
    print(
        f"requests {len(latencies)}  req/s {len(latencies) / args.seconds:.1f}  "
        f"p50 {ms(pct(latencies, 50))} ms  p95 {ms(pct(latencies, 95))} ms  "
        f"p99 {ms(pct(latencies, 99))} ms  max {ms(max(latencies))} ms"
    )
    over = sum(lat > 4.5 for lat in latencies)
    print(
        f"messages {counts['messages']}  answered passively {counts['passive']}  "
        f"'success' answers {counts['success']}  errors {counts['errors']}  "
        f"answered twice {counts['answered_twice']}  requests over 4.5 s {over}"
    )
    print(probe.summary())
    if args.long_burst:
        burst, passive, burst_probe = await long_burst(urls, args.long_burst)
        print(
            f"burst of {args.long_burst} messages of 4,000 Chinese characters at once: "
            f"{passive} answered passively, p50 {ms(pct(burst, 50))} ms, "
            f"max {ms(max(burst))} ms; during it {burst_probe.summary()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duplicates", type=int, default=2)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--long-burst", type=int, default=0, metavar="N")
    args = parser.parse_args()
    database = BenchDatabase.create(args.database_url)
    env = database.env(
        LOG_LEVEL="ERROR",
        WECHAT_TOKEN=TOKEN,
        WECHAT_APP_ID=APP_ID,
        WECHAT_ENCODING_AES_KEY=AES_KEY,
    )
    database.upgrade(env)
    target = start_linzhu(env, args.workers)
    try:
        asyncio.run(measure(args, target.urls, database.kind, target.mode))
    finally:
        target.stop()
        database.drop()


if __name__ == "__main__":
    main()
