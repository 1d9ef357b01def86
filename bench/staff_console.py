"""What the staff console costs: the message counter's upsert (paid on every chat message),
applying a FAQ overlay (rebuilding the index), and rendering the busiest pages.

    .venv/bin/python bench/staff_console.py [--messages 2000] [--bookings 500] [--alternates 20]

Uses a fresh SQLite file, the real faq/ with the configured encoder (FAQ_ENCODER) and a
private copy of the vector cache. Prints per-operation latencies (p50/p95); measure on a
quiet machine, and say how busy it was when quoting the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_dispatcher
from bot.config import load_settings
from bot.core.types import UserRef, utcnow
from bot.knowledge.base import KnowledgeBase
from bot.store.consultations.bookings import BookingStore
from bot.store.consultations.schedule import ScheduleStore
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.staff.accounts import StaffAccounts
from bot.store.traffic import MessageCounts
from bot.store.users import UserStore
from bot.web.app import create_web_app
from bot.web.staff.component import StaffConsole

ROOT = Path(__file__).resolve().parent.parent


def summary(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"{name:<38} n={len(ms):<5} p50 {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms")


async def seed(db_url: str, bookings: int) -> None:
    db = Database(db_url)
    schedule = ScheduleStore(db)
    await schedule.add_consultant("Bench consultant", ["en", "zh_Hans"], ["school", "work"])
    start = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    times = [(start + timedelta(minutes=30 * i), start + timedelta(minutes=30 * i + 30))
             for i in range(bookings)]  # fmt: skip
    slots = await schedule.add_slots("Bench consultant", times)
    store = BookingStore(db, max_upcoming=bookings)
    async with db.transaction() as session:
        users = [await UserStore(db).touch(session, UserRef("web", f"u{i}")) for i in range(50)]
    for i, slot in enumerate(slots):
        await store.book_slot(users[i % 50].id or 0, slot.id or 0, topic="school", language="en")
    await db.dispose()


async def run(args: argparse.Namespace, tmp: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    cache = tmp / "faq-cache"
    if (ROOT / "var" / "faq-cache").is_dir():
        shutil.copytree(ROOT / "var" / "faq-cache", cache)
    settings = load_settings(database_url=url, faq_cache_dir=cache, _env_file=None)
    print(f"SQLite {tmp / 'bench.db'}; encoder {settings.faq_encoder}")

    await seed(url, args.bookings)
    dispatcher = build_dispatcher(settings)
    db = dispatcher.services.db

    counts = MessageCounts(db)
    took = []
    for i in range(args.messages):
        t0 = time.perf_counter()
        await counts.bump(utcnow(), "web", ("en", "zh_Hans", "ko")[i % 3], None)
        took.append(time.perf_counter() - t0)
    summary("message counter upsert", took)

    knowledge = dispatcher.services.knowledge
    assert isinstance(knowledge, KnowledgeBase)
    took = []
    overlay: dict[str, dict[str, list[str]]] = {}
    for i in range(args.alternates):
        overlay.setdefault("living.community-centre", {}).setdefault("en", []).append(
            f"bench phrasing number {i} about the centre"
        )
        t0 = time.perf_counter()
        knowledge.set_overlay(overlay)
        took.append(time.perf_counter() - t0)
    summary("apply overlay (+1 alternate, rebuild)", took)

    await StaffAccounts(db).add("bench", "bench password 1", "admin")
    app = create_web_app(dispatcher, StaffConsole(dispatcher.services))
    async with TestClient(TestServer(app)) as client:
        page = await (await client.get("/staff/login")).text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        await client.post("/staff/login", data={"username": "bench",
                          "password": "bench password 1", "csrf_token": token})  # fmt: skip
        day = (utcnow() + timedelta(days=2)).date().isoformat()
        for path in (f"/staff/today?day={day}", "/staff/bookings", "/staff/dashboard"):
            took = []
            for _ in range(args.pages):
                t0 = time.perf_counter()
                response = await client.get(path)
                await response.read()
                assert response.status == 200, path
                took.append(time.perf_counter() - t0)
            summary(f"GET {path.split('?')[0]}", took)
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--bookings", type=int, default=500)
    parser.add_argument("--alternates", type=int, default=5)
    parser.add_argument("--pages", type=int, default=20)
    tmp = Path(tempfile.mkdtemp(prefix="linzhu-bench-"))
    try:
        upgrade(f"sqlite+aiosqlite:///{tmp / 'bench.db'}")  # Alembic runs its own event loop
        asyncio.run(run(parser.parse_args(), tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
