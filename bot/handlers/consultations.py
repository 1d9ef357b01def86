"""Booking a consultation: topic → language → day → time → note → confirm.

Every step is buttons (numbers on WeChat) with back and cancel; the state lives in the `book`
flow. `book:start` (optionally `book:start:school`, `book:start:medical`, …) starts it from any
area. The confirm button carries the slot and a token made when the summary was shown, so a
double tap finds the booking the first tap made.
"""

from __future__ import annotations

import secrets

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.handlers.consult_text import (
    booking_summary,
    day_label,
    ics_attachment,
    language_label,
    local,
    mode_label,
    slot_button_label,
    topic_label,
    when_text,
)
from bot.handlers.start import main_menu
from bot.i18n import LOCALES, _
from bot.store.consultations import TOPICS, BookingError, BookingView, SlotView

router = Router("consultations")
FLOW = "book"
BACK = {"language": "topic", "day": "language", "time": "day", "note": "time", "confirm": "note"}


def nav(back: bool = True) -> list[Button]:
    buttons = [Button(_("« Back"), "book:back")] if back else []
    return [*buttons, Button(_("Cancel"), "book:cancel")]


def my_bookings_button() -> Button:
    return Button(_("My bookings"), "book:mine")


def _arg(incoming: Incoming, index: int) -> str:
    parts = (incoming.payload or "").split(":")
    return parts[index] if len(parts) > index else ""


@router.command("book")
async def book_command(incoming: Incoming, ctx: Context) -> list[Reply]:
    return await start_flow(ctx, None)


@router.payload("book:start")
async def book_start(incoming: Incoming, ctx: Context) -> list[Reply]:
    topic = _arg(incoming, 2)
    return await start_flow(ctx, topic if topic in TOPICS else None)


async def start_flow(ctx: Context, topic: str | None) -> list[Reply]:
    ctx.state.start(FLOW, "topic")
    if topic is None:
        return ask_topic(ctx)
    ctx.state.data["topic"] = topic
    return await ask_language(ctx)


def ask_topic(ctx: Context, note: str | None = None) -> list[Reply]:
    ctx.state.goto("topic")
    text = _("What would you like to talk about with one of our consultants?")
    buttons = [Button(topic_label(t), f"book:topic:{t}") for t in TOPICS]
    return [Reply.of(f"{note}\n\n{text}" if note else text, [*buttons, *nav(back=False)])]


@router.payload("book:topic")
async def pick_topic(incoming: Incoming, ctx: Context) -> list[Reply]:
    topic = _arg(incoming, 2)
    if topic not in TOPICS:
        return ask_topic(ctx)
    ctx.state.start(FLOW, "language", topic=topic)
    return await ask_language(ctx)


async def ask_language(ctx: Context) -> list[Reply]:
    topic = ctx.state.data["topic"]
    offered = await ctx.services.bookings.languages_offered(topic)
    days = ctx.services.settings.booking_window_days
    if not offered:
        return ask_topic(
            ctx,
            _(
                "Sorry, there are no free consultation times for {topic} in the next {days} days."
            ).format(topic=topic_label(topic), days=days),
        )
    ctx.state.goto("language")
    ordered = sorted(offered, key=lambda code: (code != ctx.locale, LOCALES.index(code)))
    buttons = [
        Button(("✓ " if code == ctx.locale else "") + language_label(code), f"book:lang:{code}")
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
        buttons.append(Button(_("First free time, with an interpreter"), "book:lang:any"))
    return [Reply.of(text, [*buttons, *nav()])]


@router.payload("book:lang")
async def pick_language(incoming: Incoming, ctx: Context) -> list[Reply]:
    if "topic" not in ctx.state.data:
        return await start_flow(ctx, None)
    code = _arg(incoming, 2)
    if code == "any":
        ctx.state.goto("day", language=ctx.locale, interpreter=True)
    elif code in LOCALES:
        ctx.state.goto("day", language=code, interpreter=False)
    else:
        return await ask_language(ctx)
    return await ask_day(ctx)


async def _slots(ctx: Context) -> list[SlotView]:
    data = ctx.state.data
    language = None if data.get("interpreter") else data.get("language")
    return await ctx.services.bookings.free_slots(topic=data.get("topic"), language=language)


async def ask_day(ctx: Context, note: str | None = None) -> list[Reply]:
    days = sorted({local(s.starts_at).date() for s in await _slots(ctx)})
    if not days:
        if ctx.state.data.get("booking_id"):
            ctx.state.clear()
            return [Reply.of(_("Sorry, there are no other free times right now."), main_menu())]
        return await ask_language(ctx)
    ctx.state.goto("day")
    text = _("Which day suits you?")
    buttons = [Button(day_label(d), f"book:day:{d:%Y%m%d}") for d in days]
    return [Reply.of(f"{note}\n\n{text}" if note else text, [*buttons, *nav()])]


@router.payload("book:day")
async def pick_day(incoming: Incoming, ctx: Context) -> list[Reply]:
    if "topic" not in ctx.state.data:
        return await start_flow(ctx, None)
    ctx.state.goto("time", day=_arg(incoming, 2))
    return await ask_time(ctx)


async def ask_time(ctx: Context) -> list[Reply]:
    day = ctx.state.data.get("day", "")
    slots = [s for s in await _slots(ctx) if f"{local(s.starts_at):%Y%m%d}" == day]
    if not slots:
        return await ask_day(ctx, _("Sorry, that day has no free times left."))
    ctx.state.goto("time")
    buttons = [Button(slot_button_label(s), f"book:time:{s.id}") for s in slots]
    return [Reply.of(_("Which time?"), [*buttons, *nav()])]


@router.payload("book:time")
async def pick_time(incoming: Incoming, ctx: Context) -> list[Reply]:
    slot_id = int(_arg(incoming, 2) or 0)
    slot = await ctx.services.bookings.slot(slot_id)
    if slot is None:
        return await start_flow(ctx, None)
    if ctx.state.flow != FLOW or "topic" not in ctx.state.data:
        # Picked from an older message (say, alternatives shown before the flow expired).
        language = ctx.locale if ctx.locale in slot.languages else slot.languages[0]
        ctx.state.start(FLOW, "time", topic=slot.topics[0], language=language)
    ctx.state.goto("note", slot_id=slot_id, day=f"{local(slot.starts_at):%Y%m%d}")
    if booking_id := ctx.state.data.get("booking_id"):
        return ask_move(ctx, int(booking_id), slot)
    return ask_note(ctx)


def ask_note(ctx: Context) -> list[Reply]:
    ctx.state.goto("note")
    text = _("Anything the consultant should know beforehand? Type a short note, or tap Skip.")
    return [Reply.of(text, [Button(_("Skip"), "book:skipnote"), *nav()])]


@router.payload("book:skipnote")
async def skip_note(incoming: Incoming, ctx: Context) -> list[Reply]:
    if "slot_id" not in ctx.state.data:
        return await start_flow(ctx, None)
    ctx.state.data.pop("note", None)
    return await ask_confirm(ctx)


@router.step(FLOW)
async def typed_in_flow(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Free text is the note at the note step; elsewhere, the step is asked again."""
    if ctx.state.step == "note" and "slot_id" in ctx.state.data:
        ctx.state.data["note"] = (incoming.text or "").strip()[:500]
        return await ask_confirm(ctx)
    replies = await show_step(ctx, ctx.state.step or "topic")
    hint = _("Please choose one of the options below, or tap Cancel.")
    return [Reply.of(f"{hint}\n\n{replies[0].text}", replies[0].buttons), *replies[1:]]


async def ask_confirm(ctx: Context) -> list[Reply]:
    data = ctx.state.data
    slot = await ctx.services.bookings.slot(int(data["slot_id"]))
    if slot is None:
        return await ask_day(ctx, _("Sorry, that time is no longer available."))
    ctx.state.goto("confirm")
    token = data.setdefault("token", secrets.token_hex(4))
    lines = [
        _("Please check your consultation:"),
        _("*{topic}*").format(topic=topic_label(data["topic"])),
        _("When: {when}").format(when=when_text(slot.starts_at, slot.ends_at)),
        _("How: {mode}").format(mode=mode_label(slot.mode)),
        _("With: {consultant} (in {language})").format(
            consultant=slot.consultant, language=language_label(data["language"])
        ),
    ]
    if data.get("note"):
        lines.append(_("Your note: {note}").format(note=data["note"]))
    confirm = Button(_("✅ Confirm"), f"book:confirm:{slot.id}:{token}")
    return [Reply.of("\n".join(lines), [confirm, *nav()])]


@router.payload("book:confirm")
async def confirm(incoming: Incoming, ctx: Context) -> list[Reply]:
    slot_id, token = int(_arg(incoming, 2) or 0), _arg(incoming, 3)
    data = ctx.state.data
    slot = await ctx.services.bookings.slot(slot_id)
    if slot is None:
        return await start_flow(ctx, None)
    # After a first tap the flow is cleared; a second tap still carries the same token.
    topic = data.get("topic") or slot.topics[0]
    language = data.get("language") or ctx.locale
    note = data.get("note")
    if data.get("interpreter"):
        note = f"[interpreter needed: {language}] {note or ''}".strip()
    try:
        result = await ctx.services.bookings.book_slot(
            ctx.user_id,
            slot_id,
            topic=topic,
            language=language,
            note=note,
            idempotency_key=f"{ctx.user_id}:{token}" if token else None,
        )
    except BookingError as exc:
        if data.get("interpreter") and exc.code in {"just_taken", "closed"}:
            # Nobody speaks the resident's language: any consultant's free time will do.
            exc.alternatives = await ctx.services.bookings.free_slots(topic=topic, limit=5)
        return booking_error(ctx, exc)
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


def booking_error(ctx: Context, exc: BookingError) -> list[Reply]:
    """A rule said no: say which, and offer what can be done instead."""
    settings = ctx.services.settings
    if exc.code in {"just_taken", "closed"}:
        if exc.code == "just_taken":
            text = _("Sorry, that time was just taken by someone else.")
        else:
            text = _(
                "Booking for that time has closed: bookings close {hours} hours before the start."
            ).format(hours=f"{settings.booking_cutoff_hours:g}")
        if not exc.alternatives:
            ctx.state.clear()
            return [
                Reply.of(text + " " + _("There are no other free times right now."), main_menu())
            ]
        if ctx.state.flow == FLOW:
            ctx.state.goto("time")
        buttons = [
            Button(slot_button_label(s, with_day=True), f"book:time:{s.id}")
            for s in exc.alternatives
        ]
        return [Reply.of(text + "\n" + _("These times are free:"), [*buttons, *nav()])]
    if exc.code == "too_many":
        text = _(
            "You already have {n} upcoming consultations, the most one person can hold. "
            "You can cancel or move one in My bookings."
        ).format(n=settings.booking_max_upcoming)
    elif exc.code == "overlap":
        text = _("You already have a consultation at that time.")
    else:
        text = _("Sorry, that time is no longer available.")
    ctx.state.clear()
    return [Reply.of(text, [my_bookings_button(), Button(_("Book another time"), "book:start")])]


def ask_move(ctx: Context, booking_id: int, slot: SlotView) -> list[Reply]:
    ctx.state.goto("confirm")
    text = _("Move your consultation to {when}, {mode}?").format(
        when=when_text(slot.starts_at, slot.ends_at), mode=mode_label(slot.mode)
    )
    return [
        Reply.of(text, [Button(_("Yes, move it"), f"book:move:{booking_id}:{slot.id}"), *nav()])
    ]


async def show_step(ctx: Context, step: str) -> list[Reply]:
    data = ctx.state.data
    if step == "topic" or "topic" not in data:
        return ask_topic(ctx)
    if step == "language":
        return await ask_language(ctx)
    if step == "day" or (step == "time" and "day" not in data):
        return await ask_day(ctx)
    if step == "time":
        return await ask_time(ctx)
    if step == "note" and not data.get("booking_id"):
        return ask_note(ctx)
    return await ask_time(ctx) if data.get("booking_id") else await ask_confirm(ctx)


@router.payload("book:back")
async def back(incoming: Incoming, ctx: Context) -> list[Reply]:
    if ctx.state.flow != FLOW:
        return await start_flow(ctx, None)
    step = ctx.state.step or "topic"
    if ctx.state.data.get("booking_id"):  # rescheduling: confirm → time → day → bookings
        if step == "day":
            ctx.state.clear()
            from bot.handlers.mybookings import list_bookings

            return await list_bookings(ctx)
        return await show_step(ctx, {"confirm": "time", "note": "time", "time": "day"}[step])
    return await show_step(ctx, BACK.get(step, "topic"))


@router.payload("book:cancel")
async def cancel_flow(incoming: Incoming, ctx: Context) -> list[Reply]:
    ctx.state.clear()
    return [Reply.of(_("OK, nothing was booked."), main_menu())]
