"""Load benchmark of POST /wechat in safe (AES) mode, with WeChat-style duplicate deliveries.

    .venv/bin/python bench/wechat_load.py --users 50 --seconds 10 [--workers 2]
        [--duplicates 2] [--database-url URL]

Starts `linzhu serve` workers as subprocesses on 127.0.0.1 (all on one database); each
simulated user sends signed, encrypted text messages. Every message is also delivered
`--duplicates` more times at once, to random workers. Prints latency, how many messages
were answered passively within WeChat's 5 seconds, and whether any message was answered
more than once.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chat_load import free_port, wait_ready  # noqa: E402
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


async def measure(args: argparse.Namespace, urls: list[str], db: str) -> None:
    for url in urls:
        await wait_ready(url)
    print(
        f"{args.users} users, {args.seconds:.0f} s, {len(urls)} worker(s), database {db}, "
        f"each message delivered {1 + args.duplicates}x"
    )
    latencies, counts = await drive(urls, args.users, args.seconds, args.duplicates)
    q = statistics.quantiles(latencies, n=100)
    print(
        f"requests {len(latencies)}  req/s {len(latencies) / args.seconds:.1f}  "
        f"p50 {q[49] * 1000:.1f} ms  p95 {q[94] * 1000:.1f} ms  p99 {q[98] * 1000:.1f} ms  "
        f"max {max(latencies) * 1000:.1f} ms"
    )
    over = sum(lat > 4.5 for lat in latencies)
    print(
        f"messages {counts['messages']}  answered passively {counts['passive']}  "
        f"'success' answers {counts['success']}  errors {counts['errors']}  "
        f"answered twice {counts['answered_twice']}  requests over 4.5 s {over}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duplicates", type=int, default=2)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="linzhu-wechat-bench-")
    env = dict(
        os.environ,
        LOG_LEVEL="ERROR",
        DATABASE_URL=args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db",
        WECHAT_TOKEN=TOKEN,
        WECHAT_APP_ID=APP_ID,
        WECHAT_ENCODING_AES_KEY=AES_KEY,
    )
    subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    ports = [free_port() for _ in range(args.workers)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(p)], cwd=ROOT, env=env
        )
        for p in ports
    ]
    try:
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        asyncio.run(measure(args, urls, env["DATABASE_URL"].split(":")[0]))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
