"""What a browser's POST /api/chat costs before the dispatcher: resolving the session cookie
and counting the two rate-limit budgets (per address, per session), on SQLite or PostgreSQL.

    .venv/bin/python bench/webchat_identity.py [--requests 2000] [--database-url URL]

Prints the mean and p50/p99 per step, in milliseconds. Requests with the API token skip all
three (their own limits apply), so bench/chat_load.py does not include this cost.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot.store.db import Database  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.store.ratelimit import RateCounters  # noqa: E402
from bot.store.websessions import WebSessionStore  # noqa: E402


async def timed(n: int, step: Callable[[int], Awaitable[object]]) -> list[float]:
    took = []
    for i in range(n):
        start = time.perf_counter()
        await step(i)
        took.append((time.perf_counter() - start) * 1000)
    return took


def row(name: str, took: list[float]) -> None:
    q = statistics.quantiles(took, n=100)
    print(f"{name:<34} {statistics.fmean(took):>8.2f} {q[49]:>8.2f} {q[98]:>8.2f}")


async def measure(url: str, schema: str | None, n: int) -> None:
    db = Database(url, pool_size=5, schema=schema)
    sessions = WebSessionStore(db, timedelta(days=30))
    counters = RateCounters(db)
    try:
        issued = [await sessions.issue() for _ in range(50)]
        print(f"{n} requests, database {url.split(':')[0]}")
        print(f"{'step':<34} {'mean ms':>8} {'p50 ms':>8} {'p99 ms':>8}")
        row(
            "resolve the session cookie",
            await timed(n, lambda i: sessions.resolve(issued[i % 50].token)),
        )
        row(
            "count the address budget",
            await timed(
                n, lambda i: counters.hit(f"chat:addr:10.0.{i % 7}.1", 10**9, timedelta(minutes=1))
            ),
        )
        row(
            "count the session budget",
            await timed(
                n,
                lambda i: counters.hit(
                    f"chat:session:{issued[i % 50].external_id}", 10**9, timedelta(minutes=1)
                ),
            ),
        )
        row("issue a new session (first visit)", await timed(n // 10, lambda i: sessions.issue()))
    finally:
        if schema:  # a schema of its own on a shared server: leave nothing behind
            async with db.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    schema = None
    if args.database_url:
        url = args.database_url
        schema = f"bench_{uuid.uuid4().hex[:8]}" if url.startswith("postgresql") else None
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='linzhu-bench-')}/bench.db"
    upgrade(url, schema)
    asyncio.run(measure(url, schema, args.requests))


if __name__ == "__main__":
    main()
