"""Moving a booking: the booking flow's day and time steps, then "move it?" (booking.py)."""

from __future__ import annotations

from bot.consultations.text import when_text
from bot.core.router import Router
from bot.core.types import Incoming, Reply
from bot.handlers.consultations.booking import ask_day, booking_error, confirmation
from bot.handlers.consultations.mine import not_found, own_booking
from bot.handlers.consultations.payloads import BookingDraft, Move, Reschedule
from bot.i18n import _
from bot.services import Ctx
from bot.store.consultations.bookings import BookingError

router = Router("reschedule", private=True)


@router.payload(Reschedule)
async def start_reschedule(incoming: Incoming, ctx: Ctx, tap: Reschedule) -> list[Reply]:
    booking = await own_booking(ctx, tap.booking)
    if booking is None:
        return not_found()
    draft = BookingDraft(
        topic=booking.topic,
        language=booking.language,
        booking=booking.id,
        # Booked with an interpreter: offer every consultant's times again.
        interpreter=booking.interpreter or booking.language not in booking.slot.languages,
    )
    return await ask_day(
        ctx,
        draft,
        _(
            "Your consultation is on {when}. Choose a new time; the old one stays yours until "
            "the move is confirmed."
        ).format(when=when_text(booking.slot.starts_at, booking.slot.ends_at)),
    )


@router.payload(Move)
async def do_move(incoming: Incoming, ctx: Ctx, tap: Move) -> list[Reply]:
    draft = BookingDraft.of(ctx.state)
    contact = draft.contact if draft is not None and draft.booking == tap.booking else None
    try:
        booking = await ctx.services.bookings.reschedule(
            ctx.user_id, tap.booking, tap.slot, contact=contact
        )
    except BookingError as exc:
        if exc.code == "not_found":
            ctx.state.clear()
            return not_found()
        return booking_error(ctx, exc.code, exc.alternatives)
    ctx.state.clear()
    return [confirmation(_("✅ Done: your consultation has moved."), booking)]
