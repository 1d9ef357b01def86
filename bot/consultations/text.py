"""Words and dates for consultations, in the current locale: labels, summaries, the .ics files,
and the reminder text the outbox dispatcher renders at send time.

Dates and times are Babel's (CLDR) in the resident's locale, on Shanghai time; language names
are CLDR's in that locale too (never a code, never another language's own name mid-sentence).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import babel.dates
from babel import Locale

from bot.consultations.contact import contact_of, phone_display
from bot.core.types import Attachment, Button, Reply
from bot.events.ics import CalendarEntry, single_file
from bot.i18n import N_, _, current_locale
from bot.i18n.format import babel_locale as shared_babel_locale
from bot.i18n.format import join_date_time, language_name, to_shanghai
from bot.store.consultations.tables import BookingView, SlotView

TOPIC_LABELS = {
    "school": N_("School enrolment"),
    "medical": N_("Medical help"),
    "living": N_("Daily life and residence"),
    "work": N_("Work"),
}
MODE_LABELS = {
    "in_person": N_("in person at the Gubei Citizen Centre"),
    "phone": N_("by phone"),
    "video": N_("by video call"),
}
# Modes where the consultant has to reach the resident: the booking asks how.
REMOTE_MODES = frozenset({"phone", "video"})


def babel_locale(locale: str | None = None) -> Locale:
    """The given locale's, or the current message's, Babel Locale."""
    return shared_babel_locale(locale or current_locale.get())


local = to_shanghai


def day_label(day: date | datetime, locale: str | None = None) -> str:
    """A short day for a button: "Tue, Mar 3", "3月3日周二"."""
    value = local(day).date() if isinstance(day, datetime) else day
    return babel.dates.format_skeleton("MMMEd", value, locale=babel_locale(locale))


def long_day(dt: datetime, locale: str | None = None) -> str:
    """ "Tuesday, March 3, 2026", "2026年3月3日星期二"."""
    return babel.dates.format_date(local(dt).date(), format="full", locale=babel_locale(locale))


def time_label(dt: datetime, locale: str | None = None) -> str:
    return babel.dates.format_time(local(dt), format="short", locale=babel_locale(locale))


def time_range(start: datetime, end: datetime, locale: str | None = None) -> str:
    return f"{time_label(start, locale)}–{time_label(end, locale)}"


def when_text(start: datetime, end: datetime, locale: str | None = None) -> str:
    """The day and the times, joined the locale's way ("…, 10:00–10:30", "…星期一 10:00–10:30")."""
    code = locale or current_locale.get()
    return join_date_time(long_day(start, code), time_range(start, end, code), code)


def topic_label(topic: str) -> str:
    return _(TOPIC_LABELS[topic]) if topic in TOPIC_LABELS else topic


def mode_label(mode: str) -> str:
    return _(MODE_LABELS[mode]) if mode in MODE_LABELS else mode


def language_label(code: str, *, capitalize: bool = False) -> str:
    """The language's name in the current locale ("英语" for en in Chinese)."""
    return language_name(code, current_locale.get(), capitalize=capitalize)


def contact_text(stored: str | None) -> str:
    """ "+86 138 0013 8000" or "WeChat ID: anna_m88"; "" without a contact."""
    contact = contact_of(stored)
    if contact is None:
        return ""
    if contact.kind == "tel":
        return phone_display(contact.value)
    return _("WeChat ID: {id}").format(id=contact.value)


def video_text(slot: SlotView) -> str:
    """Where a video consultation happens, as the consultant set it (linzhu consultants)."""
    if slot.video_link:
        return _("Video call: {link}").format(link=slot.video_link)
    return _("The consultant will send you the link for the video call before it starts.")


def slot_button_label(slot: SlotView, with_day: bool = False) -> str:
    when = time_range(slot.starts_at, slot.ends_at)
    if with_day:
        when = f"{day_label(slot.starts_at)} {when}"
    return f"{when} · {mode_label(slot.mode)}"


def details_lines(
    topic: str,
    slot: SlotView,
    language: str,
    note: str | None = None,
    contact: str | None = None,
) -> list[str]:
    """What a resident reads about one consultation: the summary before confirming, and after."""
    lines = [
        _("*{topic}*").format(topic=topic_label(topic)),
        _("When: {when}").format(when=when_text(slot.starts_at, slot.ends_at)),
        _("How: {mode}").format(mode=mode_label(slot.mode)),
        _("With: {consultant} (in {language})").format(
            consultant=slot.consultant, language=language_label(language)
        ),
    ]
    if slot.mode in REMOTE_MODES and contact:
        lines.append(_("We will reach you at: {contact}").format(contact=contact_text(contact)))
    if slot.mode == "video":
        lines.append(video_text(slot))
    if note:
        lines.append(_("Your note: {note}").format(note=note))
    return lines


def booking_summary(booking: BookingView) -> str:
    """The lines a resident sees for one booking."""
    return "\n".join(
        details_lines(booking.topic, booking.slot, booking.language, booking.note, booking.contact)
    )


def booking_uid(booking_id: int) -> str:
    return f"booking-{booking_id}@linzhu"


def ics_attachment(booking: BookingView, *, cancelled: bool = False) -> Attachment:
    """The booking as a calendar entry for the resident's phone; cancelled: the file that
    removes it (same UID, a higher SEQUENCE than any version they were sent)."""
    entry = CalendarEntry(
        uid=booking_uid(booking.id),
        sequence=booking.revision + 1 if cancelled else booking.revision,
        starts_at=booking.slot.starts_at,
        ends_at=booking.slot.ends_at,
        summary=_("Consultation: {topic}").format(topic=topic_label(booking.topic)),
        description=booking_summary(booking).replace("*", ""),
        location=mode_label(booking.slot.mode),
        cancelled=cancelled,
    )
    name = "consultation-cancelled.ics" if cancelled else "consultation.ics"
    return single_file(entry, name)


def render_booking_reminder(payload: dict[str, Any]) -> list[Reply]:
    """A booking reminder in the current locale (the dispatcher sets the user's locale)."""
    start = datetime.fromisoformat(payload["starts_at"])
    end = datetime.fromisoformat(payload["ends_at"])
    details = {
        "when": when_text(start, end),
        "mode": mode_label(payload.get("mode", "")),
        "consultant": payload.get("consultant", ""),
        "topic": topic_label(payload.get("topic", "")),
    }
    if payload.get("when") == "2h":
        text = _(
            "⏰ Your consultation ({topic}) starts in about 2 hours: {when}, {mode}, with "
            "{consultant}."
        ).format(**details)
    else:
        text = _(
            "📅 Reminder: you have a consultation ({topic}) tomorrow: {when}, {mode}, with "
            "{consultant}."
        ).format(**details)
    if payload.get("mode") == "video" and payload.get("video_link"):
        text += "\n" + _("Video call: {link}").format(link=payload["video_link"])
    return [Reply.of(text, [Button(_("My bookings"), "book:mine")])]


def render_booking_cancelled(payload: dict[str, Any]) -> list[Reply]:
    """Staff cancelled the resident's booking: told in the resident's locale at send time."""
    start = datetime.fromisoformat(payload["starts_at"])
    end = datetime.fromisoformat(payload["ends_at"])
    text = _(
        "❌ The centre had to cancel your consultation ({topic}) on {when}. We are sorry. "
        "You can book another time now."
    ).format(topic=topic_label(payload.get("topic", "")), when=when_text(start, end))
    return [
        Reply.of(
            text,
            [Button(_("Book a consultation"), "book:start"), Button(_("My bookings"), "book:mine")],
        )
    ]


def render_booking_moved(payload: dict[str, Any]) -> list[Reply]:
    """Staff moved the resident's booking to another time."""
    start = datetime.fromisoformat(payload["starts_at"])
    end = datetime.fromisoformat(payload["ends_at"])
    text = _(
        "🔁 The centre moved your consultation ({topic}) to {when}, {mode}, with {consultant}. "
        "Your reminders follow the new time. If it does not suit you, change or cancel it in "
        "My bookings."
    ).format(
        topic=topic_label(payload.get("topic", "")),
        when=when_text(start, end),
        mode=mode_label(payload.get("mode", "")),
        consultant=payload.get("consultant", ""),
    )
    return [Reply.of(text, [Button(_("My bookings"), "book:mine")])]
