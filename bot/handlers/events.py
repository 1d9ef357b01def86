"""/events, /myevents, /reminders and the events buttons: find, sign up, wait-list, cancel."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.events.ics import event_ics
from bot.handlers import events_text as t
from bot.i18n import _
from bot.store.events import CATEGORIES, REGISTERED, EventError, EventView, SignUpResult

router = Router("events")
FLOW, STEP = "events_signup", "answer"
PAGE = 5
MAX_ANSWER = 500


def _part(incoming: Incoming, index: int) -> str:
    parts = (incoming.payload or "").split(":")
    return parts[index] if len(parts) > index else ""


def _number(incoming: Incoming, index: int) -> int:
    try:
        return int(_part(incoming, index))
    except ValueError:
        return 0


def _back() -> list[Button]:
    return [Button(_("All events"), "events:list"), Button(_("My events"), "events:mine")]


# --- the list --------------------------------------------------------------------------


@router.command("events")
async def events_command(incoming: Incoming, ctx: Context) -> list[Reply]:
    wanted = incoming.command_args.strip().lower()
    return await event_list(ctx, wanted if wanted in CATEGORIES else None, 0)


@router.payload("events")
@router.payload("events:list")
async def list_button(incoming: Incoming, ctx: Context) -> list[Reply]:
    """`events:list[:<category|all>[:<page>]]`."""
    ctx.state.clear()
    category = _part(incoming, 2)
    return await event_list(ctx, category if category in CATEGORIES else None, _number(incoming, 3))


async def event_list(ctx: Context, category: str | None, page: int) -> list[Reply]:
    store = ctx.services.events
    events, total = await store.upcoming(category=category, offset=max(page, 0) * PAGE, limit=PAGE)
    filters = [Button(_("Filter by category"), "events:cats")]
    if category:
        filters.append(Button(_("All events"), "events:list:all:0"))
    if not events:
        text = (
            _("There are no upcoming events in this category right now.")
            if category
            else _("There are no upcoming events right now. Please check again soon.")
        )
        return [Reply.of(text, [*filters, Button(_("My events"), "events:mine")])]
    mine = {v.id: r for r, v in await store.registrations_for(ctx.user_id)}
    pages = (total + PAGE - 1) // PAGE
    head = _("*Upcoming events*")
    if category:
        head += f" · {t.CATEGORY_NAMES[category]}"
    if pages > 1:
        head += "\n" + _("Page {page} of {pages}").format(page=page + 1, pages=pages)
    entries = [f"{n}. {t.summary(e, mine.get(e.id))}" for n, e in enumerate(events, 1)]
    text = "\n\n".join([head, *entries, _("Tap an event to see it and sign up.")])
    buttons = [t.event_button(e) for e in events]
    key = category or "all"
    if page > 0:
        buttons.append(Button(_("‹ Previous"), f"events:list:{key}:{page - 1}"))
    if page + 1 < pages:
        buttons.append(Button(_("Next ›"), f"events:list:{key}:{page + 1}"))
    buttons += [*filters, Button(_("My events"), "events:mine")]
    return [Reply.of(text, buttons)]


@router.payload("events:cats")
async def categories(incoming: Incoming, ctx: Context) -> list[Reply]:
    buttons = [Button(str(t.CATEGORY_NAMES[c]), f"events:list:{c}:0") for c in CATEGORIES]
    return [Reply.of(_("Which kind of event?"), [*buttons, Button(_("All events"), "events:list")])]


# --- one event and signing up --------------------------------------------------------------


async def _visible(ctx: Context, event_id: int) -> EventView | None:
    event = await ctx.services.events.get(event_id)
    return event if event is not None and event.status != "draft" else None


def _gone() -> list[Reply]:
    return [Reply.of(_("Sorry, that event is no longer available."), _back())]


@router.payload("events:show")
async def show(incoming: Incoming, ctx: Context) -> list[Reply]:
    event = await _visible(ctx, _number(incoming, 2))
    if event is None:
        return _gone()
    mine = await ctx.services.events.active_registration(ctx.user_id, event.id)
    buttons: list[Button] = []
    if mine is not None:
        buttons.append(Button(_("Cancel my place"), f"events:cancel:{mine.id}"))
    elif event.is_open(incoming.received_at):
        label = _("Sign up") if event.seats_left != 0 else _("Join the waitlist")
        buttons.append(Button(label, f"events:join:{event.id}"))
    text = t.details(event, mine)
    if mine is None and event.status == "cancelled":
        text = _("This event has been cancelled.") + "\n\n" + text
    elif mine is None and not event.is_open(incoming.received_at):
        text += "\n" + _("Registration is closed.")
    return [Reply.of(text, [*buttons, *_back()])]


@router.payload("events:join")
async def join(incoming: Incoming, ctx: Context) -> list[Reply]:
    event = await _visible(ctx, _number(incoming, 2))
    if event is None:
        return _gone()
    mine = await ctx.services.events.active_registration(ctx.user_id, event.id)
    if mine is not None:
        return [Reply.of(_already(event, mine.status), _back())]
    if not event.is_open(incoming.received_at):
        return [Reply.of(_closed(event), _back())]
    if event.questions:
        ctx.state.start(FLOW, STEP, event=event.id, answers={}, index=0)
        return [_ask(event, 0)]
    return await _register(ctx, event.id, {})


def _ask(event: EventView, index: int) -> Reply:
    return Reply.of(t.question_text(event, index), [Button(_("Stop"), f"events:show:{event.id}")])


@router.step(FLOW, STEP)
async def answer(incoming: Incoming, ctx: Context) -> list[Reply]:
    event = await _visible(ctx, int(ctx.state.data.get("event", 0)))
    if event is None:
        ctx.state.clear()
        return _gone()
    index = int(ctx.state.data.get("index", 0))
    text = (incoming.text or "").strip()
    if len(text) > MAX_ANSWER:
        return [
            Reply(_("Please keep your answer under {n} characters.").format(n=MAX_ANSWER)),
            _ask(event, index),
        ]
    answers = dict(ctx.state.data.get("answers", {}))
    answers[str(event.questions[index].get("id"))] = text
    if index + 1 < len(event.questions):
        ctx.state.goto(STEP, answers=answers, index=index + 1)
        return [_ask(event, index + 1)]
    ctx.state.clear()
    return await _register(ctx, event.id, answers)


async def _register(ctx: Context, event_id: int, answers: dict[str, str]) -> list[Reply]:
    try:
        result = await ctx.services.events.register(ctx.user_id, event_id, answers)
    except EventError as exc:
        event = await ctx.services.events.get(event_id)
        if exc.code == "closed" and event is not None:
            return [Reply.of(_closed(event), _back())]
        return _gone()
    return [_confirmation(ctx, result)]


def _confirmation(ctx: Context, result: SignUpResult) -> Reply:
    event, reg = result.event, result.registration
    if not result.created:
        return Reply.of(_already(event, reg.status), _back())
    title = t.title_of(event)
    if reg.status == REGISTERED:
        text = _("You're registered for *{title}*. See you there!").format(title=title)
        text += "\n" + _("I'll remind you 24 hours and 1 hour before. Add it to your calendar:")
    else:
        text = _(
            "*{title}* is full, so you're on the waitlist at position {position}. If a place "
            "opens up, you'll get it automatically and I'll tell you."
        ).format(title=title, position=reg.waitlist_position)
    text += "\n\n" + t.summary(event)
    buttons = [Button(_("Cancel my place"), f"events:cancel:{reg.id}"), *_back()]
    attachments = [event_ics(event, ctx.locale)] if reg.status == REGISTERED else []
    return Reply.of(text, buttons, attachments)


def _already(event: EventView, status: str) -> str:
    title = t.title_of(event)
    if status == REGISTERED:
        return _("You're already registered for *{title}*.").format(title=title)
    return _("You're already on the waitlist for *{title}*.").format(title=title)


def _closed(event: EventView) -> str:
    return _("Sorry, registration for *{title}* has closed.").format(title=t.title_of(event))
