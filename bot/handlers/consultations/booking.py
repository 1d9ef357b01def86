"""Booking a consultation: topic → language → day → time → (contact) → note → confirm.

Every step is buttons (numbers on WeChat) with back and cancel; the choices so far live in
the typed `BookingDraft`. `book:start` (optionally with a topic) starts it from any area.
The confirm button carries the slot and a token made when the summary was shown, so a
double tap finds the booking the first tap made. Moving a booking (reschedule.py) uses the
same day and time steps with `draft.booking` set.

Phone and video times ask how the consultant can reach the resident (a phone number or a
WeChat ID, checked by bot/consultations/contact.py) with a one-line consent; the contact is
kept with the booking and erased with it (/privacy).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from bot.consultations.text import (
    REMOTE_MODES,
    booking_summary,
    contact_text,
    day_label,
    details_lines,
    ics_attachment,
    language_label,
    local,
    mode_label,
    slot_button_label,
    topic_label,
    when_text,
)
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.handlers.consultations.contact_step import contact_question, read_contact
from bot.handlers.consultations.mine import list_bookings, my_bookings_button
from bot.handlers.consultations.payloads import (
    Back,
    BookingDraft,
    CancelFlow,
    Confirm,
    Move,
    PickDay,
    PickLanguage,
    PickTime,
    PickTopic,
    SkipNote,
    StartBooking,
)
from bot.handlers.start import main_menu
from bot.i18n import LOCALES, _
from bot.knowledge.labels import CONFIRM_BOOKING
from bot.services import Ctx
from bot.store.consultations.bookings import (
    OFFER_OTHERS,
    TOPICS,
    BookingError,
    BookingView,
    SlotView,
)

router = Router("consultations", private=True)  # a resident's own bookings
FLOW = BookingDraft.flow
BACK = {
    "language": "topic",
    "day": "language",
    "time": "day",
    "contact": "time",
    "note": "contact",
    "confirm": "note",
}
MAX_NOTE = 500


def nav(back: bool = True) -> list[Button]:
    buttons = [Button(_("« Back"), Back().encode())] if back else []
    return [*buttons, Button(_("Cancel"), CancelFlow().encode())]


def draft_of(ctx: Ctx) -> BookingDraft:
    return BookingDraft.of(ctx.state) or BookingDraft()


@router.command("book")
async def book_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return await start_flow(ctx, None)


@router.payload(StartBooking)
async def book_start(incoming: Incoming, ctx: Ctx, tap: StartBooking) -> list[Reply]:
    return await start_flow(ctx, tap.topic)


async def start_flow(ctx: Ctx, topic: str | None) -> list[Reply]:
    if topic is None:
        return ask_topic(ctx)
    return await ask_language(ctx, BookingDraft(topic=topic))


def ask_topic(ctx: Ctx, note: str | None = None) -> list[Reply]:
    ctx.state.enter(BookingDraft(), "topic")
    text = _("What would you like to talk about with one of our consultants?")
    buttons = [Button(topic_label(t), PickTopic(t).encode()) for t in TOPICS]
    return [Reply.of(f"{note}\n\n{text}" if note else text, [*buttons, *nav(back=False)])]


@router.payload(PickTopic)
async def pick_topic(incoming: Incoming, ctx: Ctx, tap: PickTopic) -> list[Reply]:
    return await ask_language(ctx, BookingDraft(topic=tap.topic))


async def ask_language(ctx: Ctx, draft: BookingDraft) -> list[Reply]:
    assert draft.topic is not None
    offered = await ctx.services.bookings.languages_offered(draft.topic)
    days = ctx.services.settings.booking_window_days
    if not offered:
        return ask_topic(
            ctx,
            _(
                "Sorry, there are no free consultation times for {topic} in the next {days} days."
            ).format(topic=topic_label(draft.topic), days=days),
        )
    ctx.state.enter(draft, "language")
    ordered = sorted(offered, key=lambda code: (code != ctx.locale, LOCALES.index(code)))
    buttons = [
        Button(
            ("✓ " if code == ctx.locale else "") + language_label(code, capitalize=True),
            PickLanguage(code).encode(),
        )
        for code in ordered
    ]
    if ctx.locale in offered:
        text = _("In which language would you like to talk? Yours is first.")
    else:
        text = _(
            "Sorry, none of our consultants speaks {language} in the next {days} days. "
            "You can choose another language, or take the first free time and we will arrange "
            "an interpreter."
        ).format(language=language_label(ctx.locale), days=days)
        buttons.append(
            Button(_("First free time, with an interpreter"), PickLanguage("any").encode())
        )
    return [Reply.of(text, [*buttons, *nav()])]


@router.payload(PickLanguage)
async def pick_language(incoming: Incoming, ctx: Ctx, tap: PickLanguage) -> list[Reply]:
    draft = draft_of(ctx)
    if draft.topic is None:
        return await start_flow(ctx, None)
    if tap.language == "any":
        draft.language, draft.interpreter = ctx.locale, True
    else:
        draft.language, draft.interpreter = tap.language, False
    return await ask_day(ctx, draft)


async def _slots(ctx: Ctx, draft: BookingDraft) -> list[SlotView]:
    language = None if draft.interpreter else draft.language
    return await ctx.services.bookings.free_slots(topic=draft.topic, language=language)


async def ask_day(ctx: Ctx, draft: BookingDraft, note: str | None = None) -> list[Reply]:
    days = sorted({local(s.starts_at).date() for s in await _slots(ctx, draft)})
    if not days:
        if draft.booking is not None:
            ctx.state.clear()
            return [Reply.of(_("Sorry, there are no other free times right now."), main_menu())]
        return await ask_language(ctx, draft)
    ctx.state.enter(draft, "day")
    text = _("Which day suits you?")
    buttons = [Button(day_label(d), PickDay(d).encode()) for d in days]
    return [Reply.of(f"{note}\n\n{text}" if note else text, [*buttons, *nav()])]


@router.payload(PickDay)
async def pick_day(incoming: Incoming, ctx: Ctx, tap: PickDay) -> list[Reply]:
    draft = draft_of(ctx)
    if draft.topic is None:
        return await start_flow(ctx, None)
    draft.day = tap.day
    return await ask_time(ctx, draft)


async def ask_time(ctx: Ctx, draft: BookingDraft) -> list[Reply]:
    slots = [s for s in await _slots(ctx, draft) if local(s.starts_at).date() == draft.day]
    if not slots:
        return await ask_day(ctx, draft, _("Sorry, that day has no free times left."))
    ctx.state.enter(draft, "time")
    buttons = [Button(slot_button_label(s), PickTime(s.id).encode()) for s in slots]
    return [Reply.of(_("Which time?"), [*buttons, *nav()])]


@router.payload(PickTime)
async def pick_time(incoming: Incoming, ctx: Ctx, tap: PickTime) -> list[Reply]:
    slot = await ctx.services.bookings.slot(tap.slot)
    if slot is None:
        return await start_flow(ctx, None)
    draft = BookingDraft.of(ctx.state)
    if draft is None or draft.topic is None:
        # Picked from an older message (say, alternatives shown before the flow expired).
        language = ctx.locale if ctx.locale in slot.languages else slot.languages[0]
        draft = BookingDraft(topic=slot.topics[0], language=language)
    draft.slot, draft.day = slot.id, local(slot.starts_at).date()
    if draft.booking is not None:
        moving = await ctx.services.bookings.get(draft.booking)
        if slot.mode in REMOTE_MODES and not (draft.contact or (moving and moving.contact)):
            return ask_contact(ctx, draft)
        return ask_move(ctx, draft, slot)
    if slot.mode in REMOTE_MODES:
        return ask_contact(ctx, draft)
    return ask_note(ctx, draft)


def ask_contact(ctx: Ctx, draft: BookingDraft, problem: str | None = None) -> list[Reply]:
    ctx.state.enter(draft, "contact")
    text = contact_question()
    return [Reply.of(f"{problem}\n\n{text}" if problem else text, nav())]


async def take_contact(incoming: Incoming, ctx: Ctx, draft: BookingDraft) -> list[Reply]:
    stored, problem = read_contact(incoming.text or "")
    if stored is None:
        return ask_contact(ctx, draft, problem)
    draft.contact = stored
    if draft.booking is not None:
        slot = await ctx.services.bookings.slot(draft.slot or 0)
        if slot is None:
            return await ask_day(ctx, draft, _("Sorry, that time is no longer available."))
        return ask_move(ctx, draft, slot)
    return ask_note(ctx, draft)


def ask_note(ctx: Ctx, draft: BookingDraft) -> list[Reply]:
    ctx.state.enter(draft, "note")
    text = _("Anything the consultant should know beforehand? Type a short note, or tap Skip.")
    return [Reply.of(text, [Button(_("Skip"), SkipNote().encode()), *nav()])]


@router.payload(SkipNote)
async def skip_note(incoming: Incoming, ctx: Ctx, tap: SkipNote) -> list[Reply]:
    draft = draft_of(ctx)
    if draft.slot is None:
        return await start_flow(ctx, None)
    draft.note = None
    return await ask_confirm(ctx, draft)


# The note and the contact take text in any language (a Chinese address in a note, a WeChat
# ID): they never switch the conversation's language. Text typed at a button step is asked
# again, and may switch it like any message.
@router.step(FLOW, "note", free_input=True)
@router.step(FLOW, "contact", free_input=True)
@router.step(FLOW)
async def typed_in_flow(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    """Free text is the note at the note step and the contact at the contact step; elsewhere,
    the step is asked again."""
    draft = draft_of(ctx)
    if ctx.state.step == "note" and draft.slot is not None:
        draft.note = (incoming.text or "").strip()[:MAX_NOTE]
        return await ask_confirm(ctx, draft)
    if ctx.state.step == "contact" and draft.slot is not None:
        return await take_contact(incoming, ctx, draft)
    replies = await show_step(ctx, draft, ctx.state.step or "topic")
    hint = _("Please choose one of the options below, or tap Cancel.")
    return [Reply.of(f"{hint}\n\n{replies[0].text}", replies[0].buttons), *replies[1:]]


async def ask_confirm(ctx: Ctx, draft: BookingDraft) -> list[Reply]:
    slot = await ctx.services.bookings.slot(draft.slot or 0)
    if slot is None or draft.topic is None or draft.language is None:
        return await ask_day(ctx, draft, _("Sorry, that time is no longer available."))
    if slot.mode in REMOTE_MODES and not draft.contact:
        return ask_contact(ctx, draft)
    draft.token = draft.token or secrets.token_hex(4)
    ctx.state.enter(draft, "confirm")
    lines = [
        _("Please check your consultation:"),
        *details_lines(draft.topic, slot, draft.language, draft.note, draft.contact),
    ]
    confirm_button = Button(str(CONFIRM_BOOKING), Confirm(slot.id, draft.token).encode())
    return [Reply.of("\n".join(lines), [confirm_button, *nav()])]


@router.payload(Confirm)
async def confirm(incoming: Incoming, ctx: Ctx, tap: Confirm) -> list[Reply]:
    slot = await ctx.services.bookings.slot(tap.slot)
    if slot is None:
        return await start_flow(ctx, None)
    # After a first tap the flow is cleared; a second tap still carries the same token.
    draft = draft_of(ctx)
    topic = draft.topic or slot.topics[0]
    language = draft.language or ctx.locale
    try:
        result = await ctx.services.bookings.book_slot(
            ctx.user_id,
            tap.slot,
            topic=topic,
            language=language,
            note=draft.note,
            interpreter=draft.interpreter,
            idempotency_key=f"{ctx.user_id}:{tap.token}",
            contact=draft.contact if slot.mode in REMOTE_MODES else None,
            display_name=incoming.display_name,
        )
    except BookingError as exc:
        alternatives: Sequence[SlotView] = exc.alternatives
        if draft.interpreter and exc.code in OFFER_OTHERS:
            # Nobody speaks the resident's language: any consultant's free time will do.
            alternatives = await ctx.services.bookings.free_slots(topic=topic, limit=5)
        return booking_error(ctx, exc.code, alternatives)
    ctx.state.clear()
    head = (
        _("✅ Booked! We look forward to seeing you.")
        if result.created
        else _("✅ You are already booked for this time.")
    )
    return [confirmation(head, result.booking)]


def confirmation(head: str, booking: BookingView) -> Reply:
    return Reply.of(
        f"{head}\n\n{booking_summary(booking)}\n\n"
        + _(
            "Add it to your calendar with the attached file. I will remind you the day before "
            "and 2 hours before."
        ),
        [my_bookings_button(), Button(_("Main menu"), "menu:main")],
        [ics_attachment(booking)],
    )


def booking_error(ctx: Ctx, code: str, alternatives: Sequence[SlotView]) -> list[Reply]:
    """A rule said no: say which, and offer what can be done instead."""
    settings = ctx.services.settings
    if code in OFFER_OTHERS:
        if code == "just_taken":
            text = _("Sorry, that time was just taken by someone else.")
        elif code == "not_open":
            text = _("That time cannot be booked yet: bookings open {days} days ahead.").format(
                days=settings.booking_window_days
            )
        else:
            text = _(
                "Booking for that time has closed: bookings close {hours} hours before the start."
            ).format(hours=f"{settings.booking_cutoff_hours:g}")
        if not alternatives:
            ctx.state.clear()
            return [
                Reply.of(text + " " + _("There are no other free times right now."), main_menu())
            ]
        if ctx.state.flow == FLOW:
            ctx.state.step = "time"
        buttons = [
            Button(slot_button_label(s, with_day=True), PickTime(s.id).encode())
            for s in alternatives
        ]
        return [Reply.of(text + "\n" + _("These times are free:"), [*buttons, *nav()])]
    if code == "too_many":
        text = _(
            "You already have {n} upcoming consultations, the most one person can hold. "
            "You can cancel or move one in My bookings."
        ).format(n=settings.booking_max_upcoming)
    elif code == "overlap":
        text = _("You already have a consultation at that time.")
    else:
        text = _("Sorry, that time is no longer available.")
    ctx.state.clear()
    return [
        Reply.of(
            text, [my_bookings_button(), Button(_("Book another time"), StartBooking().encode())]
        )
    ]


def ask_move(ctx: Ctx, draft: BookingDraft, slot: SlotView) -> list[Reply]:
    assert draft.booking is not None
    ctx.state.enter(draft, "confirm")
    text = _("Move your consultation to {when}, {mode}?").format(
        when=when_text(slot.starts_at, slot.ends_at), mode=mode_label(slot.mode)
    )
    if slot.mode in REMOTE_MODES and draft.contact:
        text += "\n" + _("We will reach you at: {contact}").format(
            contact=contact_text(draft.contact)
        )
    move = Button(_("Yes, move it"), Move(draft.booking, slot.id).encode())
    return [Reply.of(text, [move, *nav()])]


async def show_step(ctx: Ctx, draft: BookingDraft, step: str) -> list[Reply]:
    if step == "topic" or draft.topic is None:
        return ask_topic(ctx)
    if step == "language":
        return await ask_language(ctx, draft)
    if step == "day" or (step == "time" and draft.day is None):
        return await ask_day(ctx, draft)
    if step == "time":
        return await ask_time(ctx, draft)
    if step == "contact" and draft.slot is not None:
        return ask_contact(ctx, draft)
    if step == "note" and draft.booking is None:
        return ask_note(ctx, draft)
    return (
        await ask_time(ctx, draft) if draft.booking is not None else await ask_confirm(ctx, draft)
    )


@router.payload(Back)
async def back(incoming: Incoming, ctx: Ctx, tap: Back) -> list[Reply]:
    draft = BookingDraft.of(ctx.state)
    if draft is None:
        return await start_flow(ctx, None)
    step = ctx.state.step or "topic"
    if draft.booking is not None:  # moving: confirm → time → day → my bookings
        if step == "day":
            ctx.state.clear()
            return await list_bookings(ctx)
        earlier = {"confirm": "time", "contact": "time", "note": "time", "time": "day"}
        return await show_step(ctx, draft, earlier.get(step, "day"))
    target = BACK.get(step, "topic")
    if target == "contact" and not await _needs_contact(ctx, draft):
        target = "time"
    return await show_step(ctx, draft, target)


async def _needs_contact(ctx: Ctx, draft: BookingDraft) -> bool:
    slot = await ctx.services.bookings.slot(draft.slot or 0)
    return slot is not None and slot.mode in REMOTE_MODES


@router.payload(CancelFlow)
async def cancel_flow(incoming: Incoming, ctx: Ctx, tap: CancelFlow) -> list[Reply]:
    ctx.state.clear()
    return [Reply.of(_("OK, nothing was booked."), main_menu())]
