"""Sign-up rush: N residents sign up for one event at once, then K of them cancel at once.

    .venv/bin/python bench/event_signup.py --users 500 --seats 100 --cancels 100 \
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Uses a fresh SQLite file (default) or a fresh schema on PostgreSQL. Every sign-up and
cancellation of the event is serialised on its row, so this measures that queue: prints
wall time, throughput and p50/p95/max latency per operation, and checks the outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.types import UserRef, utcnow
from bot.store.db import Database
from bot.store.events.admin import EventAdmin, EventSpec
from bot.store.events.signup import EventStore
from bot.store.events.tables import REGISTERED
from bot.store.migrate import upgrade
from bot.store.users import UserStore


async def make_event(db: Database, capacity: int) -> int:
    starts = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    spec = EventSpec(
        title={"en": "Job fair"},
        description={"en": "Meet employers."},
        category="jobs",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="Gubei Citizen Centre",
        capacity=capacity,
        status="published",
    )
    (view,) = await EventAdmin(db).save([spec])
    return view.id


async def timed(results: list[float], coro: object) -> object:
    start = time.perf_counter()
    value = await coro  # type: ignore[misc]
    results.append(time.perf_counter() - start)
    return value


def report(name: str, latencies: list[float], wall: float) -> None:
    q = statistics.quantiles(latencies, n=20)
    print(
        f"{name:>8}: {len(latencies)} in {wall:.2f} s = {len(latencies) / wall:.0f}/s; "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {q[18] * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )


async def run(url: str, schema: str | None, users: int, seats: int, cancels: int) -> None:
    db = Database(url, pool_size=20, schema=schema)
    try:
        event_id = await make_event(db, seats)
        ids = []
        async with db.transaction() as session:
            for n in range(users):
                user = await UserStore(db).touch(session, UserRef("web", f"bench{n}"))
                ids.append(user.id or 0)
        store = EventStore(db)
        lat: list[float] = []
        t0 = time.perf_counter()
        results = await asyncio.gather(*(timed(lat, store.register(u, event_id)) for u in ids))
        report("sign-up", lat, time.perf_counter() - t0)
        leaving = random.Random(1).sample(list(results), cancels)
        lat = []
        t0 = time.perf_counter()
        await asyncio.gather(
            *(timed(lat, store.cancel(r.registration.user_id, r.registration.id)) for r in leaving)  # type: ignore[attr-defined]
        )
        report("cancel", lat, time.perf_counter() - t0)
        _event, attendees = await EventAdmin(db).attendees(event_id)
        seated = sum(a.registration.status == REGISTERED for a in attendees)
        print(
            f"registered at the end: {seated} of {seats} seats, waitlist {users - cancels - seated}"
        )
    finally:
        if schema:
            async with db.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--cancels", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    schema = None
    if args.database_url:
        url = args.database_url
        schema = f"bench_{uuid.uuid4().hex[:8]}"
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url, schema)
    print(f"{'PostgreSQL' if schema else 'SQLite'}: {args.users} residents, {args.seats} seats")
    asyncio.run(run(url, schema, args.users, args.seats, args.cancels))


if __name__ == "__main__":
    main()
