"""Every calendar file Linzhu sends, read back with the icalendar parser and checked against
what calendars need (RFC 5545, and RFC 5546 for METHOD:CANCEL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar

from bot.core.types import Attachment, Reply


@dataclass(frozen=True)
class Entry:
    method: str
    uid: str
    sequence: int
    status: str
    starts_at: datetime
    summary: str


def check_ics(data: bytes) -> Entry:
    """Parse one file with one VEVENT; fail on anything a calendar would trip over."""
    cal = Calendar.from_ical(data)
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])
    method = str(cal["METHOD"])
    assert method in {"PUBLISH", "CANCEL"}
    (event,) = cal.walk("VEVENT")
    for required in ("UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "SUMMARY", "STATUS"):
        assert required in event, f"{required} missing"
    starts, ends = event.decoded("DTSTART"), event.decoded("DTEND")
    assert starts.tzinfo is not None and ends > starts
    status = str(event["STATUS"])
    # A cancellation is METHOD:CANCEL with STATUS:CANCELLED; a publication is CONFIRMED.
    assert (method == "CANCEL") == (status == "CANCELLED")
    assert all(len(line) <= 75 for line in data.split(b"\r\n")), "lines must be folded"
    return Entry(
        method, str(event["UID"]), int(event["SEQUENCE"]), status, starts, str(event["SUMMARY"])
    )


def ics_of(replies: list[Reply]) -> list[Entry]:
    """The calendar files attached to these replies, each one checked."""
    return [check_ics(a.content) for a in attachments(replies) if a.mime_type == "text/calendar"]


def attachments(replies: list[Reply]) -> list[Attachment]:
    return [a for r in replies for a in r.attachments]
