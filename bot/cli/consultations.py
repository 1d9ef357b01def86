"""`linzhu consultants add|list|set|deactivate` and `linzhu slots add|list|holidays`.

Times staff type are Shanghai local time (the TIMEZONE setting); the store keeps UTC.
Every error is one clear line on stderr with exit status 2, and nothing is half-written:
all of a command's slots are checked before any is saved.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import get_settings
from bot.consultations.slot_patterns import (
    Calendar,
    PatternError,
    calendar_for,
    generate_china_holidays,
    holidays_path,
    parse_date,
    parse_days,
    parse_time,
    pattern_dates,
    slot_times,
)
from bot.i18n import LOCALES
from bot.store.consultations.schedule import ScheduleError, ScheduleStore
from bot.store.consultations.tables import MODES, TOPICS
from bot.store.db import Database

VIDEO_HELP = (
    "where their video consultations happen, shown to residents who book one: a meeting "
    'link, or an app and meeting id ("Tencent Meeting 123 456 789")'
)


def register(sub: Any) -> None:
    cons = sub.add_parser("consultants", help="staff who give consultations")
    cons_sub = cons.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = cons_sub.add_parser("add", help="add a consultant")
    add.add_argument("name")
    add.add_argument("--languages", required=True, help=f"comma-separated: {', '.join(LOCALES)}")
    add.add_argument("--topics", default=",".join(TOPICS), help=f"comma-separated: {TOPICS}")
    add.add_argument("--video-link", help=VIDEO_HELP)
    add.set_defaults(func=lambda a: run(cmd_consultants_add, a))
    lst = cons_sub.add_parser("list", help="list consultants")
    lst.set_defaults(func=lambda a: run(cmd_consultants_list, a))
    set_ = cons_sub.add_parser("set", help="change a consultant's video link")
    set_.add_argument("consultant", help="id or name")
    set_.add_argument("--video-link", required=True, help=VIDEO_HELP + ' ("" to remove it)')
    set_.set_defaults(func=lambda a: run(cmd_consultants_set, a))
    deact = cons_sub.add_parser("deactivate", help="stop new bookings with a consultant")
    deact.add_argument("consultant", help="id or name")
    deact.set_defaults(func=lambda a: run(cmd_consultants_deactivate, a))

    slots = sub.add_parser("slots", help="consultation slots")
    slots_sub = slots.add_subparsers(dest="action", metavar="ACTION", required=True)
    sadd = slots_sub.add_parser(
        "add",
        help="publish one slot, or a weekly pattern over a date range",
        description="One slot: --date 2026-12-01 --from 14:00 --to 14:30. A pattern: "
        "--start-date 2026-12-01 --end-date 2026-12-31 --days tue,thu --from 14:00 --to 17:00 "
        "--length 30. Dates in the holidays file are skipped.",
    )
    sadd.add_argument("--consultant", required=True, help="id or name")
    sadd.add_argument("--date", help="a single date (YYYY-MM-DD)")
    sadd.add_argument("--start-date", help="first date of a pattern")
    sadd.add_argument("--end-date", help="last date of a pattern (inclusive)")
    sadd.add_argument("--days", help="weekdays of a pattern: mon,tue,wed,thu,fri,sat,sun")
    sadd.add_argument("--from", dest="time_from", required=True, help="start time, HH:MM")
    sadd.add_argument("--to", dest="time_to", required=True, help="end time, HH:MM")
    sadd.add_argument("--length", type=int, help="minutes per slot (default: one slot)")
    sadd.add_argument("--mode", default="in_person", choices=MODES)
    sadd.add_argument("--topics", help="topics of these slots (default: the consultant's)")
    sadd.add_argument("--holidays", action="append", type=Path, help="holidays file(s)")
    sadd.add_argument("--no-holidays", action="store_true", help="do not skip any date")
    sadd.add_argument(
        "--include-makeup-workdays",
        action="store_true",
        help="also publish on make-up working days (weekends that are working days)",
    )
    sadd.set_defaults(func=lambda a: run(cmd_slots_add, a))
    slist = slots_sub.add_parser("list", help="list slots and whether they are booked")
    slist.add_argument("--start-date", help="default: today")
    slist.add_argument("--days", type=int, default=14)
    slist.set_defaults(func=lambda a: run(cmd_slots_list, a))
    hol = slots_sub.add_parser(
        "holidays", help="write data/holidays/cn-YEAR.yaml from the holidays package"
    )
    hol.add_argument("--year", type=int, required=True)
    hol.add_argument("--output", type=Path, help="default: data/holidays/cn-YEAR.yaml")
    hol.set_defaults(func=cmd_holidays)


Command = Callable[[argparse.Namespace, ScheduleStore], Awaitable[int]]


def run(command: Command, args: argparse.Namespace) -> int:
    """Run an async staff command with a database; errors become one line and exit 2."""
    settings = get_settings()

    async def go() -> int:
        db = Database(settings.database_url, pool_size=2, schema=settings.database_schema)
        try:
            return await command(args, ScheduleStore(db, ZoneInfo(settings.timezone)))
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    except (ScheduleError, PatternError) as exc:
        print(f"linzhu: {exc}", file=sys.stderr)
        return 2


def _split(value: str | None) -> list[str]:
    return [p.strip() for p in (value or "").split(",") if p.strip()]


async def cmd_consultants_add(args: argparse.Namespace, store: ScheduleStore) -> int:
    languages = _split(args.languages)
    unknown = [code for code in languages if code not in LOCALES]
    if unknown:
        raise ScheduleError(
            f"Unknown language(s) {', '.join(unknown)}; choose from {', '.join(LOCALES)}."
        )
    consultant = await store.add_consultant(
        args.name, languages, _split(args.topics), video_link=args.video_link
    )
    print(f"Added consultant {consultant.id}: {consultant.name}")
    return 0


async def cmd_consultants_list(args: argparse.Namespace, store: ScheduleStore) -> int:
    rows = [
        [
            str(c.id),
            c.name,
            ",".join(c.languages),
            ",".join(c.topics),
            "yes" if c.active else "no",
            c.video_link or "-",
        ]
        for c in await store.consultants()
    ]
    print_table(["id", "name", "languages", "topics", "active", "video link"], rows)
    return 0


async def cmd_consultants_set(args: argparse.Namespace, store: ScheduleStore) -> int:
    consultant = await store.set_video_link(args.consultant, args.video_link)
    link = consultant.video_link or "(none: residents are told the link will be sent)"
    print(f"{consultant.name}: video link {link}")
    return 0


async def cmd_consultants_deactivate(args: argparse.Namespace, store: ScheduleStore) -> int:
    consultant = await store.deactivate(args.consultant)
    print(f"Deactivated {consultant.name}: no new bookings; existing ones are kept.")
    return 0


async def cmd_slots_add(args: argparse.Namespace, store: ScheduleStore) -> int:
    tz = ZoneInfo(get_settings().timezone)
    start, end = parse_time(args.time_from, "--from time"), parse_time(args.time_to, "--to time")
    length = timedelta(minutes=args.length) if args.length else None
    if args.date and (args.start_date or args.end_date or args.days):
        raise PatternError("Give either --date or a pattern (--start-date, --end-date, --days).")
    if args.date:
        first = last = parse_date(args.date, "--date")
    elif args.start_date and args.end_date and args.days:
        first, last = (
            parse_date(args.start_date, "--start-date"),
            parse_date(args.end_date, "--end-date"),
        )
    else:
        raise PatternError("Give --date, or --start-date, --end-date and --days for a pattern.")
    calendar = Calendar() if args.no_holidays else calendar_for(first, last, args.holidays)
    if args.date:
        if first in calendar.holidays:
            raise PatternError(
                f"{first} is a holiday ({calendar.holidays[first]}); pass --no-holidays to "
                "publish anyway."
            )
        dates: list[date] = [first]
        skipped: list[tuple[date, str]] = []
    else:
        dates, skipped = pattern_dates(
            first, last, parse_days(args.days), calendar, args.include_makeup_workdays
        )
    times = slot_times(dates, start, end, length, tz)
    slots = await store.add_slots(
        args.consultant, times, topics=_split(args.topics) or None, mode=args.mode
    )
    for day, name in skipped:
        print(f"Skipped {day} ({name})")
    print(f"Added {len(slots)} slot(s) on {len(dates)} day(s).")
    return 0


async def cmd_slots_list(args: argparse.Namespace, store: ScheduleStore) -> int:
    tz = ZoneInfo(get_settings().timezone)
    first = parse_date(args.start_date, "--start-date") if args.start_date else _today(tz)
    start, end = _day_bounds(first, args.days, tz)
    rows = [
        [
            str(s.slot.id),
            f"{s.slot.starts_at.astimezone(tz):%Y-%m-%d %a %H:%M}",
            f"{s.slot.ends_at.astimezone(tz):%H:%M}",
            s.slot.consultant,
            s.slot.mode,
            ",".join(s.slot.topics),
            s.booking_status or "free",
        ]
        for s in await store.slots_between(start, end)
    ]
    print_table(["id", "starts", "ends", "consultant", "mode", "topics", "booking"], rows)
    return 0


def cmd_holidays(args: argparse.Namespace) -> int:
    path = args.output or holidays_path(args.year)
    try:
        text = generate_china_holidays(args.year)
    except PatternError as exc:
        print(f"linzhu: {exc}", file=sys.stderr)
        return 2
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"Wrote {path}; check it against the State Council's notice for {args.year}.")
    return 0


def _today(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()


def _day_bounds(first: date, days: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), tzinfo=tz)
    return start, start + timedelta(days=days)


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    if not rows:
        print("(none)")
        return
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
