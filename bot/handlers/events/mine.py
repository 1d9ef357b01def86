"""/myevents with cancel buttons, and /reminders off|on (also the button on each reminder)."""

from __future__ import annotations

from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.events.ics import event_ics
from bot.handlers.events import text as t
from bot.handlers.events.payloads import AskCancel, Drop, EventList, MyEvents, Reminders
from bot.i18n import _
from bot.knowledge.labels import CANCEL_EVENT, YES_CANCEL
from bot.services import Ctx
from bot.store.events.tables import REGISTERED, EventError

router = Router("myevents", private=True)


@router.command("myevents")
async def myevents_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return await my_events(ctx)


@router.payload(MyEvents)
async def myevents_button(incoming: Incoming, ctx: Ctx, tap: MyEvents) -> list[Reply]:
    ctx.state.clear()
    return await my_events(ctx)


async def my_events(ctx: Ctx) -> list[Reply]:
    mine = await ctx.services.events.registrations_for(ctx.user_id)
    if not mine:
        return [
            Reply.of(
                _("You haven't signed up for any upcoming events."),
                [Button(_("Upcoming events"), EventList().encode())],
            )
        ]
    replies = [Reply(_("Your events:"))]
    for reg, event in mine:
        replies.append(
            Reply.of(
                t.summary(event, reg),
                [
                    Button(
                        str(CANCEL_EVENT).format(title=t.event_button(event).label),
                        AskCancel(reg.id).encode(),
                    )
                ],
            )
        )
    replies.append(
        Reply.of(_("Anything else?"), [Button(_("Upcoming events"), EventList().encode())])
    )
    return replies


@router.payload(AskCancel)
async def ask_cancel(incoming: Incoming, ctx: Ctx, tap: AskCancel) -> list[Reply]:
    rid = tap.registration
    for reg, event in await ctx.services.events.registrations_for(ctx.user_id):
        if reg.id == rid:
            return [
                Reply.of(
                    _("Give up your place at this event?") + "\n\n" + t.summary(event, reg),
                    [
                        Button(str(YES_CANCEL), Drop(rid).encode()),
                        Button(_("No, keep it"), MyEvents().encode()),
                    ],
                )
            ]
    return [_not_found()]


def _not_found() -> Reply:
    return Reply.of(
        _("I couldn't find that registration among your upcoming events."),
        [Button(_("My events"), MyEvents().encode())],
    )


@router.payload(Drop)
async def cancel(incoming: Incoming, ctx: Ctx, tap: Drop) -> list[Reply]:
    mine = await ctx.services.events.registrations_for(ctx.user_id)
    held = {r.id: r.status for r, _event in mine}
    try:
        reg, _promoted = await ctx.services.events.cancel(ctx.user_id, tap.registration)
    except EventError as exc:
        if exc.code == "closed":
            return [Reply.of(_("This event has already started."), [_mine()])]
        return [_not_found()]
    event = await ctx.services.events.get(reg.event_id)
    title = t.title_of(event) if event else ""
    text = _("Done: your place at *{title}* is cancelled.").format(title=title)
    attachments = []
    if event is not None and held.get(reg.id) == REGISTERED:
        # They had the calendar file: this one takes the entry out of their calendar.
        text += "\n" + _("The attached file removes it from your calendar.")
        attachments.append(event_ics(event, reg.id, ctx.locale, cancelled=True))
    return [
        Reply.of(text, [Button(_("Upcoming events"), EventList().encode()), _mine()], attachments)
    ]


def _mine() -> Button:
    return Button(_("My events"), MyEvents().encode())


# --- reminders -----------------------------------------------------------------------------


@router.command("reminders")
async def reminders_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    wanted = incoming.command_args.strip().lower()
    if wanted in {"off", "on"}:
        return await _set(ctx, wanted == "on")
    state = _("on") if ctx.user.reminders_enabled else _("off")
    return [
        Reply.of(
            _("Event reminders are {state}. Send /reminders off or /reminders on.").format(
                state=state
            ),
            [_toggle(not ctx.user.reminders_enabled)],
        )
    ]


@router.payload(Reminders)
async def reminders_button(incoming: Incoming, ctx: Ctx, tap: Reminders) -> list[Reply]:
    return await _set(ctx, tap.setting == "on")


async def _set(ctx: Ctx, enabled: bool) -> list[Reply]:
    await ctx.services.events.set_reminders(ctx.user_id, enabled)
    ctx.user.reminders_enabled = enabled
    if enabled:
        text = _("Event reminders are on: I'll remind you 24 hours and 1 hour before each event.")
    else:
        text = _("Event reminders are off. Send /reminders on to have them again.")
    return [Reply.of(text, [_toggle(not enabled), _mine()])]


def _toggle(enabled: bool) -> Button:
    if enabled:
        return Button(_("Turn reminders on"), Reminders("on").encode())
    return Button(_("Turn reminders off"), Reminders("off").encode())
