"""Residents' bookings for spreadsheets (CSV) and staff calendars (.ics): `linzhu bookings
export` and the console's Bookings page write the same files.

Residents appear by name and channel ("Anna Müller", "Telegram"), never by internal id. The
calendar uses the same UIDs and SEQUENCEs as the residents' own files, so a calendar that
imports it twice updates its entries; cancelled bookings come as CANCELLED.
"""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from bot.consultations.text import booking_uid, contact_text
from bot.core.channel import brand_name
from bot.events.ics import CalendarEntry, calendar_file
from bot.store.consultations.schedule import StaffBooking
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


def _contact(row: StaffBooking) -> str:
    """The booking's contact (phone or video), else the one staff recorded for a walk-in."""
    return contact_text(row.booking.contact) or row.contact or ""


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
        "resident": row.display_name or "-",
        "channel": brand_name(row.user.channel),
        "contact": _contact(row),
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
    entries = []
    for row in rows:
        b = row.booking
        resident = f"{row.display_name or '-'} ({brand_name(row.user.channel)})"
        entries.append(
            CalendarEntry(
                uid=booking_uid(b.id),
                sequence=b.revision + (1 if b.status == CANCELLED else 0),
                starts_at=b.slot.starts_at,
                ends_at=b.slot.ends_at,
                summary=f"Consultation #{b.id}: {b.topic} ({b.language}) – {b.slot.consultant}",
                description=(
                    f"Resident {resident}; contact {_contact(row) or '-'}; status {b.status}; "
                    f"note: {b.note or '-'}"
                ),
                location=b.slot.mode,
                cancelled=b.status == CANCELLED,
            )
        )
    return calendar_file(entries, prodid="-//Linzhu//Gubei Citizen Centre staff//EN")
