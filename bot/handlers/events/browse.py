"""/events and the events buttons: find, sign up (with questions), wait-list."""

from __future__ import annotations

from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.events.ics import event_ics
from bot.handlers.events import text as t
from bot.handlers.events.payloads import (
    AskCancel,
    Categories,
    EventList,
    EventsHome,
    Join,
    MyEvents,
    ShowEvent,
    SignUp,
)
from bot.i18n import _
from bot.knowledge.labels import CANCEL_MY_PLACE, JOIN_WAITLIST, SIGN_UP
from bot.services import Ctx
from bot.store.events.signup import EventError, SignUpResult
from bot.store.events.tables import CATEGORIES, REGISTERED, EventView

router = Router("events")
FLOW, STEP = SignUp.flow, "answer"
PAGE = 5
MAX_ANSWER = 500


def _back() -> list[Button]:
    return [
        Button(_("All events"), EventList().encode()),
        Button(_("My events"), MyEvents().encode()),
    ]


# --- the list --------------------------------------------------------------------------


@router.command("events")
async def events_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    """/events, or /events with a category in any language (/events familie, /events 家族)."""
    wanted = incoming.command_args.strip()
    category = wanted.lower() if wanted.lower() in CATEGORIES else t.category_in(wanted)
    replies = await event_list(ctx, category, 0)
    if wanted and category is None:
        # Not silently ignored: say so, and the list's "Filter by category" shows the choice.
        note = _("I don't know an event category “{words}”, so here are all events.").format(
            words=wanted[:40]
        )
        replies[0] = Reply.of(f"{note}\n\n{replies[0].text}", replies[0].buttons)
    return replies


@router.payload(EventsHome)
async def home_button(incoming: Incoming, ctx: Ctx, tap: EventsHome) -> list[Reply]:
    ctx.state.clear()
    return await event_list(ctx, None, 0)


@router.payload(EventList)
async def list_button(incoming: Incoming, ctx: Ctx, tap: EventList) -> list[Reply]:
    ctx.state.clear()
    return await event_list(ctx, None if tap.category == "all" else tap.category, tap.page)


async def event_list(ctx: Ctx, category: str | None, page: int) -> list[Reply]:
    store = ctx.services.events
    events, total = await store.upcoming(category=category, offset=max(page, 0) * PAGE, limit=PAGE)
    filters = [Button(_("Filter by category"), Categories().encode())]
    if category:
        filters.append(Button(_("All events"), EventList("all", 0).encode()))
    if not events:
        text = (
            _("There are no upcoming events in this category right now.")
            if category
            else _("There are no upcoming events right now. Please check again soon.")
        )
        return [Reply.of(text, [*filters, Button(_("My events"), MyEvents().encode())])]
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
        buttons.append(Button(_("‹ Previous"), EventList(key, page - 1).encode()))
    if page + 1 < pages:
        buttons.append(Button(_("Next ›"), EventList(key, page + 1).encode()))
    buttons += [*filters, Button(_("My events"), MyEvents().encode())]
    return [Reply.of(text, buttons)]


@router.payload(Categories)
async def categories(incoming: Incoming, ctx: Ctx, tap: Categories) -> list[Reply]:
    buttons = [Button(str(t.CATEGORY_NAMES[c]), EventList(c, 0).encode()) for c in CATEGORIES]
    return [
        Reply.of(
            _("Which kind of event?"), [*buttons, Button(_("All events"), EventList().encode())]
        )
    ]


# --- one event and signing up --------------------------------------------------------------


async def _visible(ctx: Ctx, event_id: int) -> EventView | None:
    event = await ctx.services.events.get(event_id)
    return event if event is not None and event.status != "draft" else None


def _gone() -> list[Reply]:
    return [Reply.of(_("Sorry, that event is no longer available."), _back())]


@router.payload(ShowEvent)
async def show(incoming: Incoming, ctx: Ctx, tap: ShowEvent) -> list[Reply]:
    event = await _visible(ctx, tap.event)
    if event is None:
        return _gone()
    mine = await ctx.services.events.active_registration(ctx.user_id, event.id)
    buttons: list[Button] = []
    if mine is not None:
        buttons.append(Button(str(CANCEL_MY_PLACE), AskCancel(mine.id).encode()))
    elif event.is_open(incoming.received_at):
        label = str(SIGN_UP) if event.seats_left != 0 else str(JOIN_WAITLIST)
        buttons.append(Button(label, Join(event.id).encode()))
    text = t.details(event, mine)
    if mine is None and event.status == "cancelled":
        text = _("This event has been cancelled.") + "\n\n" + text
    elif mine is None and not event.is_open(incoming.received_at):
        text += "\n" + _("Registration is closed.")
    return [Reply.of(text, [*buttons, *_back()])]


@router.payload(Join, private=True)  # sign-up questions ask for names
async def join(incoming: Incoming, ctx: Ctx, tap: Join) -> list[Reply]:
    event = await _visible(ctx, tap.event)
    if event is None:
        return _gone()
    mine = await ctx.services.events.active_registration(ctx.user_id, event.id)
    if mine is not None:
        return [Reply.of(_already(event, mine.status), _back())]
    if not event.is_open(incoming.received_at):
        return [Reply.of(_closed(event), _back())]
    if event.questions:
        ctx.state.enter(SignUp(event=event.id), STEP)
        return [_ask(event, 0)]
    return await _register(ctx, event.id, {})


def _ask(event: EventView, index: int) -> Reply:
    return Reply.of(
        t.question_text(event, index), [Button(_("Stop"), ShowEvent(event.id).encode())]
    )


@router.step(FLOW, STEP, free_input=True, private=True)  # a name, an address: any language
async def answer(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    signup = SignUp.of(ctx.state)
    event = await _visible(ctx, signup.event) if signup is not None else None
    if signup is None or event is None or signup.index >= len(event.questions):
        ctx.state.clear()
        return _gone()
    text = (incoming.text or "").strip()
    if len(text) > MAX_ANSWER:
        return [
            Reply(_("Please keep your answer under {n} characters.").format(n=MAX_ANSWER)),
            _ask(event, signup.index),
        ]
    signup.answers[str(event.questions[signup.index].get("id"))] = text
    signup.index += 1
    if signup.index < len(event.questions):
        ctx.state.enter(signup, STEP)
        return [_ask(event, signup.index)]
    ctx.state.clear()
    return await _register(ctx, event.id, signup.answers)


async def _register(ctx: Ctx, event_id: int, answers: dict[str, str]) -> list[Reply]:
    try:
        result = await ctx.services.events.register(ctx.user_id, event_id, answers)
    except EventError as exc:
        event = await ctx.services.events.get(event_id)
        if exc.code == "closed" and event is not None:
            return [Reply.of(_closed(event), _back())]
        return _gone()
    return [_confirmation(ctx, result)]


def _confirmation(ctx: Ctx, result: SignUpResult) -> Reply:
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
    # With the registration: a waitlisted resident sees their position, not "Full: you can…".
    text += "\n\n" + t.summary(event, reg)
    buttons = [Button(str(CANCEL_MY_PLACE), AskCancel(reg.id).encode()), *_back()]
    attachments = [event_ics(event, reg.id, ctx.locale)] if reg.status == REGISTERED else []
    return Reply.of(text, buttons, attachments)


def _already(event: EventView, status: str) -> str:
    title = t.title_of(event)
    if status == REGISTERED:
        return _("You're already registered for *{title}*.").format(title=title)
    return _("You're already on the waitlist for *{title}*.").format(title=title)


def _closed(event: EventView) -> str:
    return _("Sorry, registration for *{title}* has closed.").format(title=t.title_of(event))
