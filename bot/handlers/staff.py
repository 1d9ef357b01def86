"""Staff on chat (accounts listed in STAFF_USERS): /today and /week, attended / no-show.

Anyone else gets the same answer as for a command that does not exist. The listings hold
residents' notes, so they are only given in a private chat: in a group, staff are asked to
write to Linzhu directly and nothing else is said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from bot.consultations.text import (
    contact_text,
    day_label,
    language_label,
    mode_label,
    time_range,
    topic_label,
)
from bot.core.channel import brand_name
from bot.core.payloads import Id, Payload
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.handlers.start import expired_payload, unknown_command
from bot.i18n import _
from bot.i18n.format import SHANGHAI
from bot.services import Ctx
from bot.store.consultations.bookings import ATTENDED, BOOKED, NO_SHOW
from bot.store.consultations.schedule import ScheduleError, StaffBooking

router = Router("staff")


@dataclass(frozen=True)
class MarkAttendance(Payload, prefix="staff"):
    mark: Literal["att", "nos"]
    booking: Id


STATUS_LABELS = {
    BOOKED: "",
    ATTENDED: "✔",
    NO_SHOW: "✘",
}


def is_staff(ctx: Ctx) -> bool:
    return f"{ctx.user.channel}:{ctx.user.external_id}" in ctx.services.settings.staff


def private_chat_please() -> list[Reply]:
    return [Reply(_("Staff commands only work in a private chat with me."))]


def _day_start(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(SHANGHAI).date(), time(0), tzinfo=SHANGHAI)


@router.command("today")
async def today(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    if not is_staff(ctx):
        return await unknown_command(incoming, ctx)
    if not incoming.private_chat:
        return private_chat_please()
    start = _day_start(incoming.received_at)
    return await _listing(ctx, start, start + timedelta(days=1), _("Bookings today"))


@router.command("week")
async def week(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    if not is_staff(ctx):
        return await unknown_command(incoming, ctx)
    if not incoming.private_chat:
        return private_chat_please()
    start = _day_start(incoming.received_at)
    return await _listing(ctx, start, start + timedelta(days=7), _("Bookings in the next 7 days"))


def _line(row: StaffBooking) -> str:
    b = row.booking
    parts = [
        f"*{day_label(b.slot.starts_at)} {time_range(b.slot.starts_at, b.slot.ends_at)}* "
        f"{STATUS_LABELS.get(b.status, '')}".rstrip(),
        _("{consultant} · {mode}").format(
            consultant=b.slot.consultant, mode=mode_label(b.slot.mode)
        ),
        _("Topic: {topic} · resident's language: {language}").format(
            topic=topic_label(b.topic), language=language_label(b.language)
        ),
        *([_("An interpreter is needed.")] if b.interpreter else []),
        _("Resident: {name} ({channel}) · booking #{id}").format(
            name=row.display_name or _("name not known"),
            channel=brand_name(row.user.channel),
            id=b.id,
        ),
    ]
    if b.contact:
        parts.append(_("Contact: {contact}").format(contact=contact_text(b.contact)))
    if b.note:
        parts.append(_("Note: {note}").format(note=b.note))
    return "\n".join(parts)


async def _listing(ctx: Ctx, start: datetime, end: datetime, title: str) -> list[Reply]:
    rows = await ctx.services.schedule.bookings_between(start, end)
    if not rows:
        return [Reply(_("{title}: none.").format(title=title))]
    replies = [Reply(f"*{title}* ({len(rows)})")]
    for row in rows:
        buttons = [
            Button(_("Attended"), MarkAttendance("att", row.booking.id).encode()),
            Button(_("No-show"), MarkAttendance("nos", row.booking.id).encode()),
        ]
        replies.append(Reply.of(_line(row), buttons))
    return replies


@router.payload(MarkAttendance)
async def mark(incoming: Incoming, ctx: Ctx, tap: MarkAttendance) -> list[Reply]:
    if not is_staff(ctx):
        return await expired_payload(incoming, ctx)
    if not incoming.private_chat:
        return private_chat_please()
    status = ATTENDED if tap.mark == "att" else NO_SHOW
    try:
        booking = await ctx.services.schedule.mark_attendance(tap.booking, status)
    except ScheduleError:
        return [Reply(_("That booking was cancelled or does not exist."))]
    label = _("attended") if status == ATTENDED else _("no-show")
    return [Reply(_("Booking #{id} marked as {status}.").format(id=booking.id, status=label))]
