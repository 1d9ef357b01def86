"""/mybookings: a resident's upcoming consultations, with cancel and reschedule."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.handlers.consult_text import booking_summary, day_label, when_text
from bot.handlers.consultations import FLOW, ask_day, booking_error, confirmation
from bot.i18n import _
from bot.store.consultations import BOOKED, BookingError

router = Router("mybookings")


def _number(incoming: Incoming, index: int) -> int:
    parts = (incoming.payload or "").split(":")
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return 0


@router.command("mybookings")
async def mybookings_command(incoming: Incoming, ctx: Context) -> list[Reply]:
    return await list_bookings(ctx)


@router.payload("book:mine")
async def mybookings_button(incoming: Incoming, ctx: Context) -> list[Reply]:
    ctx.state.clear()
    return await list_bookings(ctx)


async def list_bookings(ctx: Context) -> list[Reply]:
    upcoming = await ctx.services.bookings.upcoming_for(ctx.user_id)
    if not upcoming:
        return [
            Reply.of(
                _("You have no upcoming consultations."),
                [Button(_("Book a consultation"), "book:start")],
            )
        ]
    replies = [Reply(_("Your upcoming consultations:"))]
    for booking in upcoming:
        day = day_label(booking.slot.starts_at)
        replies.append(
            Reply.of(
                booking_summary(booking),
                [
                    Button(_("Reschedule ({day})").format(day=day), f"book:rs:{booking.id}"),
                    Button(_("Cancel ({day})").format(day=day), f"book:cx:{booking.id}"),
                ],
            )
        )
    return replies


async def _own(ctx: Context, booking_id: int) -> list[Reply] | None:
    booking = await ctx.services.bookings.get(booking_id)
    if booking is None or booking.user_id != ctx.user_id or booking.status != BOOKED:
        return [
            Reply.of(
                _("I couldn't find that consultation among your upcoming ones."),
                [Button(_("My bookings"), "book:mine")],
            )
        ]
    return None


@router.payload("book:cx")
async def ask_cancel(incoming: Incoming, ctx: Context) -> list[Reply]:
    booking_id = _number(incoming, 2)
    if (problem := await _own(ctx, booking_id)) is not None:
        return problem
    booking = await ctx.services.bookings.get(booking_id)
    assert booking is not None
    return [
        Reply.of(
            _("Cancel this consultation?") + "\n\n" + booking_summary(booking),
            [
                Button(_("Yes, cancel it"), f"book:cxok:{booking_id}"),
                Button(_("No, keep it"), "book:mine"),
            ],
        )
    ]


@router.payload("book:cxok")
async def do_cancel(incoming: Incoming, ctx: Context) -> list[Reply]:
    booking_id = _number(incoming, 2)
    try:
        booking = await ctx.services.bookings.cancel(ctx.user_id, booking_id)
    except BookingError:
        return await _own(ctx, 0) or []
    text = _("Your consultation on {when} is cancelled. The time is free for others again.")
    return [
        Reply.of(
            text.format(when=when_text(booking.slot.starts_at, booking.slot.ends_at)),
            [Button(_("Book another time"), "book:start"), Button(_("My bookings"), "book:mine")],
        )
    ]


@router.payload("book:rs")
async def start_reschedule(incoming: Incoming, ctx: Context) -> list[Reply]:
    booking_id = _number(incoming, 2)
    if (problem := await _own(ctx, booking_id)) is not None:
        return problem
    booking = await ctx.services.bookings.get(booking_id)
    assert booking is not None
    ctx.state.start(
        FLOW,
        "day",
        topic=booking.topic,
        language=booking.language,
        booking_id=booking_id,
        # Booked with an interpreter: offer every consultant's times again.
        interpreter=booking.language not in booking.slot.languages,
    )
    return await ask_day(
        ctx,
        _(
            "Your consultation is on {when}. Choose a new time; the old one stays yours until "
            "the move is confirmed."
        ).format(when=when_text(booking.slot.starts_at, booking.slot.ends_at)),
    )


@router.payload("book:move")
async def do_move(incoming: Incoming, ctx: Context) -> list[Reply]:
    booking_id, slot_id = _number(incoming, 2), _number(incoming, 3)
    try:
        booking = await ctx.services.bookings.reschedule(ctx.user_id, booking_id, slot_id)
    except BookingError as exc:
        if exc.code == "not_found":
            ctx.state.clear()
            return await _own(ctx, 0) or []
        return booking_error(ctx, exc)
    ctx.state.clear()
    return [confirmation(_("✅ Done: your consultation has moved."), booking)]
