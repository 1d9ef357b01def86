"""`linzhu demo [--if-empty]`: clearly fictional consultants and a fortnight of slots, so a
fresh `make run` has a booking flow to try. Does nothing when DEMO_DATA is false or (with
--if-empty) when the database already has consultants."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import get_settings
from bot.consultations.slot_patterns import Calendar, holidays_path, load_holidays, slot_times
from bot.store.consultations.schedule import ScheduleStore
from bot.store.db import Database

# name, languages, topics, weekdays (0 = Monday), from, to, mode
DEMO_CONSULTANTS = [
    (
        "Demo consultant A",
        ["en", "zh_Hans"],
        ["school", "medical", "living", "work"],
        {0, 1, 2, 3, 4},
        time(10),
        time(12),
        "in_person",
    ),
    (
        "Demo consultant B",
        ["ja", "ko", "zh_Hans"],
        ["school", "living"],
        {1, 3},
        time(14),
        time(17),
        "phone",
    ),
    (
        "Demo consultant C",
        ["fr", "de", "es", "ru", "en"],
        ["medical", "work", "living"],
        {0, 2, 4},
        time(15),
        time(17),
        "video",
    ),
]


def register(sub: Any) -> None:
    demo = sub.add_parser("demo", help="add fictional demo consultants and slots (DEMO_DATA)")
    demo.add_argument(
        "--if-empty", action="store_true", help="only when there are no consultants yet"
    )
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.demo_data:
        print("DEMO_DATA is false: no demo data added.")
        return 0
    code = asyncio.run(seed_demo(settings.database_url, settings.database_schema, args.if_empty))
    # Events area: demo events too (independently of the consultants).
    from bot.cli.events import seed_demo_events_cli

    return code or seed_demo_events_cli(args.if_empty)


async def seed_demo(url: str, schema: str | None, if_empty: bool, days: int = 14) -> int:
    tz = ZoneInfo(get_settings().timezone)
    db = Database(url, pool_size=2, schema=schema)
    try:
        store = ScheduleStore(db)
        if if_empty and await store.count_consultants():
            print("The database already has consultants: no demo data added.")
            return 0
        first = datetime.now(tz).date() + timedelta(days=1)
        dates = [first + timedelta(days=n) for n in range(days)]
        calendar = _holidays(dates)
        total = 0
        for name, languages, topics, weekdays, start, end, mode in DEMO_CONSULTANTS:
            # Residents see the languages by name in their own language, never codes.
            await store.add_consultant(name, languages, topics)
            wanted = [d for d in dates if d.weekday() in weekdays and d not in calendar.holidays]
            times = slot_times(wanted, start, end, timedelta(minutes=30), tz)
            total += len(await store.add_slots(name, times, mode=mode))
        print(f"Added {len(DEMO_CONSULTANTS)} demo consultants and {total} slots.")
        return 0
    finally:
        await db.dispose()


def _holidays(dates: list[date]) -> Calendar:
    """Skip holidays when the year's file exists; demo data never fails for want of one."""
    calendar = Calendar()
    for year in {d.year for d in dates}:
        path = holidays_path(year)
        if path.exists():
            calendar.holidays.update(load_holidays(path).holidays)
    return calendar
