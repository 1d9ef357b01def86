"""Kill `linzhu dispatcher` (SIGKILL, mid-batch) twice and restart it: every reminder arrives,
and a crash repeats at most one message. Real processes, real database, the web inbox sender."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.core.types import utcnow
from bot.store import outbox
from bot.store.consultations.tables import REMINDER_KIND
from bot.store.db import Database
from bot.store.inbox import WebInboxMessage
from bot.store.outbox import OutboxMessage
from bot.store.tables import User
from tests.paths import ROOT

COUNT = 150


async def seed(db: Database) -> None:
    start = utcnow() + timedelta(hours=2)
    async with db.transaction() as session:
        for n in range(COUNT):
            user = User(channel="web", external_id=f"c{n}", locale="ja" if n % 2 else "en")
            session.add(user)
            await session.flush()
            assert user.id is not None
            await outbox.enqueue(
                session,
                user_id=user.id,
                channel="web",
                kind=REMINDER_KIND,
                payload={
                    "booking_id": n,
                    "when": "2h",
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(minutes=30)).isoformat(),
                    "mode": "phone",
                    "consultant": "Demo consultant A",
                    "topic": "school",
                    "language": "en",
                },
                due_at=utcnow() - timedelta(seconds=5),
                dedupe_key=f"crash:{n}",
            )


async def delivered(db: Database) -> Counter[str]:
    async with db.session() as session:
        rows = await session.execute(select(WebInboxMessage.external_id))
        return Counter(rows.scalars())


async def unsent(db: Database) -> int:
    async with db.session() as session:
        query = select(func.count()).where(OutboxMessage.status != "sent")
        return int((await session.execute(query.select_from(OutboxMessage))).scalar_one())


def start_dispatcher(db: Database, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db.url,
        "DATABASE_SCHEMA": db.schema or "",
        "REMINDER_RATE_PER_SECOND": "60",
        "REMINDER_LEASE_SECONDS": "2",
        "REMINDER_POLL_SECONDS": "0.2",
        "REMINDER_BATCH_SIZE": "20",
        "LOG_LEVEL": "WARNING",
    }
    if not db.schema:
        env.pop("DATABASE_SCHEMA")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "dispatcher"],
        cwd=tmp_path,  # no .env there
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def wait_for(db: Database, at_least: int, within: float = 60) -> None:
    for _ in range(int(within / 0.05)):
        if sum((await delivered(db)).values()) >= at_least:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} messages delivered in {within}s")


async def test_killed_dispatcher_loses_nothing_and_repeats_at_most_one_per_crash(
    db: Database, tmp_path: Path
) -> None:
    await seed(db)
    crashes = 0
    for target in (30, 80):
        proc = start_dispatcher(db, tmp_path)
        try:
            await wait_for(db, target)
        finally:
            proc.kill()  # SIGKILL: no chance to mark or release anything
            proc.wait()
        crashes += 1
        assert sum((await delivered(db)).values()) < COUNT + crashes, "killed too late"
    proc = start_dispatcher(db, tmp_path)
    try:
        for _ in range(1200):
            if await unsent(db) == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert await unsent(db) == 0, err.decode()[-2000:]
    counts = await delivered(db)
    assert set(counts) == {f"c{n}" for n in range(COUNT)}  # nobody lost
    repeats = sum(c - 1 for c in counts.values())
    assert repeats <= crashes, counts.most_common(3)
