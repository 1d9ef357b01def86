"""`linzhu bookings list` (a table of upcoming bookings, or of the days asked for) and
`linzhu bookings export --format csv|ics`.

Residents appear by name and channel ("Anna Müller", "Telegram"), never by internal id; the
contact they gave for a phone or video consultation is shown as they can be reached.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli.consultations import print_table, run
from bot.config import get_settings
from bot.consultations.export import HEADERS, export_csv, export_ics, row_fields
from bot.consultations.slot_patterns import parse_date
from bot.core.types import utcnow
from bot.store.consultations.schedule import ScheduleStore, StaffBooking


def register(sub: Any) -> None:
    bookings = sub.add_parser("bookings", help="residents' consultation bookings")
    bsub = bookings.add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = bsub.add_parser(
        "list", help="upcoming bookings (or those of --date), as a table, soonest first"
    )
    lst.add_argument("--date", help="YYYY-MM-DD: that day's bookings (default: all upcoming)")
    lst.add_argument("--days", type=int, help="how many days from --date (default 1), or from now")
    lst.add_argument("--cancelled", action="store_true", help="include cancelled bookings")
    lst.set_defaults(func=lambda a: run(cmd_list, a), command_upcoming=True)
    exp = bsub.add_parser("export", help="bookings as CSV or an iCalendar file")
    exp.add_argument("--format", choices=("csv", "ics"), required=True)
    exp.add_argument("--date", help="first day, YYYY-MM-DD (default: today)")
    exp.add_argument("--days", type=int, default=30)
    exp.add_argument("--output", type=Path, help="file to write (default: standard output)")
    exp.set_defaults(func=lambda a: run(cmd_export, a), command_upcoming=False)


async def _rows(args: argparse.Namespace, store: ScheduleStore) -> list[StaffBooking]:
    tz = ZoneInfo(get_settings().timezone)
    include = getattr(args, "cancelled", False)
    if args.date is None and args.command_upcoming:
        # Upcoming: every booking that has not ended yet (within --days of now, if given).
        now = utcnow()
        end = now + timedelta(days=args.days) if args.days else None
        return await store.bookings_between(now - timedelta(days=1), end, include, ending_after=now)
    first = parse_date(args.date, "--date") if args.date else datetime.now(tz).date()
    start = datetime.combine(first, time(0), tzinfo=tz)
    days = args.days if args.days is not None else 1
    return await store.bookings_between(start, start + timedelta(days=days), include)


async def cmd_list(args: argparse.Namespace, store: ScheduleStore) -> int:
    tz = ZoneInfo(get_settings().timezone)
    rows = [row_fields(r, tz) for r in await _rows(args, store)]
    print_table(HEADERS, [[r[h][:40] for h in HEADERS] for r in rows])
    return 0


async def cmd_export(args: argparse.Namespace, store: ScheduleStore) -> int:
    tz = ZoneInfo(get_settings().timezone)
    rows = await _rows(args, store)
    data = export_csv(rows, tz) if args.format == "csv" else export_ics(rows)
    if args.output:
        args.output.write_bytes(data)
        print(f"Wrote {len(rows)} booking(s) to {args.output}")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
