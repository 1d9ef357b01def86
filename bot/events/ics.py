"""Calendar files (RFC 5545/5546, via icalendar) residents add to their phone's calendar.

One UID per booking or registration, so a calendar updates its entry instead of doubling it;
SEQUENCE grows with every change (a reschedule, an event moved), and a cancellation sends the
same UID with METHOD:CANCEL and STATUS:CANCELLED and a higher SEQUENCE, so the entry goes.
Consultations (bot/consultations/text.py) and staff exports use the same writer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as VEvent

from bot.core.types import Attachment
from bot.store.events.tables import EventView, localized

PRODID = "-//Linzhu//Gubei Citizen Centre//EN"
MIME = "text/calendar"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str = ""
    location: str = ""
    cancelled: bool = False


def calendar_file(
    entries: Sequence[CalendarEntry],
    *,
    method: str = "PUBLISH",
    stamp: datetime | None = None,
    prodid: str = PRODID,
) -> bytes:
    """The entries as one iCalendar file; METHOD:CANCEL for a cancellation notice."""
    cal = Calendar()
    cal.add("prodid", prodid)
    cal.add("version", "2.0")
    cal.add("method", method)
    for entry in entries:
        item = VEvent()
        item.add("uid", entry.uid)
        item.add("sequence", entry.sequence)
        item.add("dtstamp", stamp or datetime.now(UTC))
        item.add("dtstart", entry.starts_at)
        item.add("dtend", entry.ends_at)
        item.add("summary", entry.summary)
        item.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        if entry.description:
            item.add("description", entry.description)
        if entry.location:
            item.add("location", entry.location)
        cal.add_component(item)
    return bytes(cal.to_ical())


def single_file(entry: CalendarEntry, filename: str) -> Attachment:
    """One entry as an attachment: a cancellation when the entry is cancelled."""
    method = "CANCEL" if entry.cancelled else "PUBLISH"
    return Attachment(filename, calendar_file([entry], method=method), MIME)


def registration_uid(event_id: int, registration_id: int) -> str:
    return f"event-{event_id}-registration-{registration_id}@linzhu"


def registration_entry(
    *,
    event_id: int,
    registration_id: int,
    sequence: int,
    title: Mapping[str, str],
    description: Mapping[str, str],
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    locale: str,
    cancelled: bool = False,
) -> CalendarEntry:
    """One resident's place at an event, in their locale."""
    return CalendarEntry(
        uid=registration_uid(event_id, registration_id),
        # A cancellation is one more change than the version the resident holds.
        sequence=sequence + 1 if cancelled else sequence,
        starts_at=starts_at,
        ends_at=ends_at,
        summary=localized(dict(title), locale),
        description=localized(dict(description), locale),
        location=place,
        cancelled=cancelled,
    )


def event_ics(
    event: EventView, registration_id: int, locale: str, *, cancelled: bool = False
) -> Attachment:
    """The calendar file for a sign-up (or, cancelled, for giving the place up)."""
    entry = registration_entry(
        event_id=event.id,
        registration_id=registration_id,
        sequence=event.sequence,
        title=event.title,
        description=event.description,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        place=event.place,
        locale=locale,
        cancelled=cancelled,
    )
    return single_file(entry, _filename(event.id, cancelled))


def payload_ics(
    payload: Mapping[str, object], locale: str, *, cancelled: bool = False
) -> Attachment | None:
    """The calendar file for an outbox notice, from its payload (None for old payloads)."""
    registration_id, event_id = payload.get("registration_id"), payload.get("event_id")
    if not isinstance(registration_id, int) or not isinstance(event_id, int):
        return None
    sequence = payload.get("sequence")
    entry = registration_entry(
        event_id=event_id,
        registration_id=registration_id,
        sequence=sequence if isinstance(sequence, int) else 0,
        title=_texts(payload.get("title")),
        description=_texts(payload.get("description")),
        starts_at=datetime.fromisoformat(str(payload["starts_at"])),
        ends_at=datetime.fromisoformat(str(payload["ends_at"])),
        place=str(payload.get("place") or ""),
        locale=locale,
        cancelled=cancelled,
    )
    return single_file(entry, _filename(event_id, cancelled))


def _texts(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _filename(event_id: int, cancelled: bool) -> str:
    return f"event-{event_id}-cancelled.ics" if cancelled else f"event-{event_id}.ics"
