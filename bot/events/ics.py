"""The .ics calendar file sent with a sign-up confirmation (RFC 5545, via icalendar)."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from icalendar import Event as VEvent

from bot.core.types import Attachment
from bot.store.events.tables import EventView, localized


def event_ics(event: EventView, locale: str, now: datetime | None = None) -> Attachment:
    cal = Calendar()
    cal.add("prodid", "-//Linzhu//Gubei Citizen Centre//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    item = VEvent()
    # Stable across re-sends, so a calendar updates the entry instead of doubling it.
    item.add("uid", f"event-{event.id}@linzhu.gubei")
    item.add("dtstamp", now or datetime.now(UTC))
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", localized(event.title, locale))
    description = localized(event.description, locale)
    if description:
        item.add("description", description)
    if event.place:
        item.add("location", event.place)
    cal.add_component(item)
    return Attachment(f"event-{event.id}.ics", cal.to_ical(), "text/calendar")
