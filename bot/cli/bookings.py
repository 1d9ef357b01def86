"""`linzhu bookings list` (a table of upcoming bookings, or of the days asked for) and
`linzhu bookings export --format csv|ics`.

Residents appear by name and channel ("Anna Müller", "Telegram"), never by internal id; the
contact they gave for a phone or video consultation is shown as they can be reached.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.cli.consultations import print_table, run
from bot.config import get_settings
from bot.consultations.slot_patterns import parse_date
from bot.consultations.text import booking_uid, contact_text
from bot.core.channel import brand_name
from bot.core.types import utcnow
from bot.events.ics import CalendarEntry, calendar_file
from bot.store.consultations.schedule import ScheduleStore, StaffBooking
from bot.store.consultations.tables import CANCELLED

HEADERS = [
    "id",
    "starts",
    "ends",
    "consultant",
    "mode",
    "topic",
    "language",
    "resident",
    "channel",
    "contact",
    "status",
    "note",
]


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


def _fields(row: StaffBooking, tz: ZoneInfo) -> dict[str, str]:
    b = row.booking
    return {
        "id": str(b.id),
        "starts": f"{b.slot.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
        "ends": f"{b.slot.ends_at.astimezone(tz):%H:%M}",
        "consultant": b.slot.consultant,
        "mode": b.slot.mode,
        "topic": b.topic,
        "language": b.language,
        "resident": row.display_name or "-",
        "channel": brand_name(row.user.channel),
        "contact": contact_text(b.contact),
        "status": b.status,
        "note": (b.note or "").replace("\n", " "),
    }


async def cmd_list(args: argparse.Namespace, store: ScheduleStore) -> int:
    tz = ZoneInfo(get_settings().timezone)
    rows = [_fields(r, tz) for r in await _rows(args, store)]
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


def export_csv(rows: list[StaffBooking], tz: ZoneInfo) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADERS)
    writer.writeheader()
    writer.writerows(_fields(r, tz) for r in rows)
    return out.getvalue().encode("utf-8")


def export_ics(rows: list[StaffBooking]) -> bytes:
    """A staff calendar: the same UIDs and SEQUENCEs as the residents' files, so a calendar
    that imports it twice updates its entries; cancelled bookings come as CANCELLED."""
    entries = []
    for row in rows:
        b = row.booking
        contact = contact_text(b.contact) or "-"
        resident = f"{row.display_name or '-'} ({brand_name(row.user.channel)})"
        entries.append(
            CalendarEntry(
                uid=booking_uid(b.id),
                sequence=b.revision + (1 if b.status == CANCELLED else 0),
                starts_at=b.slot.starts_at,
                ends_at=b.slot.ends_at,
                summary=f"Consultation #{b.id}: {b.topic} ({b.language}) – {b.slot.consultant}",
                description=(
                    f"Resident {resident}; contact {contact}; status {b.status}; "
                    f"note: {b.note or '-'}"
                ),
                location=b.slot.mode,
                cancelled=b.status == CANCELLED,
            )
        )
    return calendar_file(entries, prodid="-//Linzhu//Gubei Citizen Centre staff//EN")
