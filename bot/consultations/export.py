"""Residents' bookings for spreadsheets (CSV) and staff calendars (.ics): `linzhu bookings
export` and the console's Bookings page write the same files."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.store.consultations.schedule import StaffBooking

HEADERS = [
    "id",
    "starts",
    "ends",
    "consultant",
    "mode",
    "topic",
    "language",
    "resident",
    "contact",
    "status",
    "note",
]


def row_fields(row: StaffBooking, tz: ZoneInfo) -> dict[str, str]:
    b = row.booking
    return {
        "id": str(b.id),
        "starts": f"{b.slot.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
        "ends": f"{b.slot.ends_at.astimezone(tz):%H:%M}",
        "consultant": b.slot.consultant,
        "mode": b.slot.mode,
        "topic": b.topic,
        "language": b.language,
        "resident": row.name or str(row.user),
        "contact": row.contact or "",
        "status": b.status,
        "note": (b.note or "").replace("\n", " "),
    }


def export_csv(rows: list[StaffBooking], tz: ZoneInfo) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADERS)
    writer.writeheader()
    writer.writerows(row_fields(r, tz) for r in rows)
    return out.getvalue().encode("utf-8")


def export_ics(rows: list[StaffBooking]) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Linzhu//Gubei Citizen Centre staff//EN")
    cal.add("version", "2.0")
    for row in rows:
        b = row.booking
        event = Event()
        event.add("uid", f"booking-{b.id}@linzhu")
        event.add("dtstamp", b.created_at)
        event.add("dtstart", b.slot.starts_at)
        event.add("dtend", b.slot.ends_at)
        event.add(
            "summary", f"Consultation #{b.id}: {b.topic} ({b.language}) – {b.slot.consultant}"
        )
        event.add("location", b.slot.mode)
        who = row.name or str(row.user)
        event.add("description", f"Resident {who}; status {b.status}; note: {b.note or '-'}")
        cal.add_component(event)
    return cal.to_ical()
