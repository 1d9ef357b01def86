"""/mybookings: a resident's upcoming consultations, with cancel (and reschedule buttons)."""

from __future__ import annotations

from bot.consultations.text import booking_summary, day_label, ics_attachment, when_text
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.handlers.consultations.payloads import (
    AskCancel,
    ConfirmCancel,
    MyBookings,
    Reschedule,
    StartBooking,
)
from bot.i18n import _
from bot.knowledge.labels import CANCEL_BOOKING, RESCHEDULE_BOOKING, YES_CANCEL
from bot.services import Ctx
from bot.store.consultations.bookings import BOOKED, BookingError, BookingView

router = Router("mybookings", private=True)


def my_bookings_button() -> Button:
    return Button(_("My bookings"), MyBookings().encode())


@router.command("mybookings")
async def mybookings_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return await list_bookings(ctx)


@router.payload(MyBookings)
async def mybookings_button(incoming: Incoming, ctx: Ctx, tap: MyBookings) -> list[Reply]:
    ctx.state.clear()
    return await list_bookings(ctx)


async def list_bookings(ctx: Ctx) -> list[Reply]:
    upcoming = await ctx.services.bookings.upcoming_for(ctx.user_id)
    if not upcoming:
        return [
            Reply.of(
                _("You have no upcoming consultations."),
                [Button(_("Book a consultation"), StartBooking().encode())],
            )
        ]
    replies = [Reply(_("Your upcoming consultations:"))]
    for booking in upcoming:
        day = day_label(booking.slot.starts_at)
        replies.append(
            Reply.of(
                booking_summary(booking),
                [
                    Button(
                        str(RESCHEDULE_BOOKING).format(day=day), Reschedule(booking.id).encode()
                    ),
                    Button(str(CANCEL_BOOKING).format(day=day), AskCancel(booking.id).encode()),
                ],
            )
        )
    return replies


async def own_booking(ctx: Ctx, booking_id: int) -> BookingView | None:
    """The resident's live booking `booking_id`, or None (not theirs, gone, or past)."""
    booking = await ctx.services.bookings.get(booking_id)
    if booking is None or booking.user_id != ctx.user_id or booking.status != BOOKED:
        return None
    return booking


def not_found() -> list[Reply]:
    return [
        Reply.of(
            _("I couldn't find that consultation among your upcoming ones."),
            [my_bookings_button()],
        )
    ]


@router.payload(AskCancel)
async def ask_cancel(incoming: Incoming, ctx: Ctx, tap: AskCancel) -> list[Reply]:
    booking = await own_booking(ctx, tap.booking)
    if booking is None:
        return not_found()
    return [
        Reply.of(
            _("Cancel this consultation?") + "\n\n" + booking_summary(booking),
            [
                Button(str(YES_CANCEL), ConfirmCancel(booking.id).encode()),
                Button(_("No, keep it"), MyBookings().encode()),
            ],
        )
    ]


@router.payload(ConfirmCancel)
async def do_cancel(incoming: Incoming, ctx: Ctx, tap: ConfirmCancel) -> list[Reply]:
    try:
        booking = await ctx.services.bookings.cancel(ctx.user_id, tap.booking)
    except BookingError:
        return not_found()
    text = _("Your consultation on {when} is cancelled. The time is free for others again.")
    calendar = _("The attached file removes it from your calendar.")
    return [
        Reply.of(
            text.format(when=when_text(booking.slot.starts_at, booking.slot.ends_at))
            + "\n"
            + calendar,
            [Button(_("Book another time"), StartBooking().encode()), my_bookings_button()],
            [ics_attachment(booking, cancelled=True)],
        )
    ]
