"""The resident's side: /human, "Talk to a person", leaving a message outside staffed hours,
and the guard that hands every message to staff while a conversation is live.

The emergency guard (an urgent guard) still reads every message first; what it answers in a
live conversation is put into the transcript and flagged for staff (emergency/guard.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core.context import STAFF_ANSWERING
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.handlers.consultations.payloads import StartBooking
from bot.handlers.handoff import staff_group
from bot.handlers.handoff.attachments import fetch, take_attachment
from bot.handlers.handoff.payloads import EndHandoff, LeaveMessage, RateHandoff, StartHandoff
from bot.handlers.handoff.texts import closed_reply, end_button
from bot.handlers.start import expired_payload
from bot.i18n import _
from bot.i18n.format import format_relative_datetime
from bot.services import Ctx, Services
from bot.store.handoff.tables import FROM_RESIDENT

router = Router("handoff")


@router.command("human")
async def human_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return await request_person(incoming, ctx)


@router.payload(StartHandoff)
async def human_button(incoming: Incoming, ctx: Ctx, tap: StartHandoff) -> list[Reply]:
    return await request_person(incoming, ctx)


def _context(incoming: Incoming, ctx: Ctx) -> dict[str, Any]:
    """What the resident was asking the bot about, for staff."""
    said = incoming.text if incoming.text and incoming.command is None else None
    return {"topic": ctx.state.last_topic, "said": said}


async def request_person(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    """Open a conversation with staff when they are in; otherwise say when they are back."""
    svc = ctx.services
    if not incoming.private_chat:
        return [Reply(_("Please write to me in a private chat to talk to a person."))]
    if await svc.handoff.live_for(ctx.user_id) is not None:
        ctx.hints[STAFF_ANSWERING] = True
        return [
            Reply.of(
                _(
                    "You are already connected to the centre's staff. Write your message "
                    "here and a person will answer in this chat."
                ),
                [end_button()],
            )
        ]
    now = incoming.received_at
    if svc.staffed.is_staffed(now):
        conversation, new = await svc.handoff.open(
            ctx.user_id, ctx.user.channel, ctx.locale, context=_context(incoming, ctx), now=now
        )
        if new:
            staff_group.announce_new(svc, conversation, _name(incoming, ctx))
        ctx.hints[STAFF_ANSWERING] = True
        return [
            Reply.of(
                _(
                    "I've asked a member of the centre's staff to join. Write your question "
                    "here: a person will answer you in this chat. Until you end the "
                    "conversation, your messages go to staff, not to me."
                ),
                [end_button()],
            )
        ]
    back = svc.staffed.next_opening(now)
    lines = [
        _("The centre's staff are not in right now. They are back {when}.").format(
            when=_when(back, ctx.locale, now)
        )
        if back
        else _("The centre's staff are not in right now."),
        _(
            "You can leave a message: a person will answer in this chat when they are "
            "back. Or book a consultation."
        ),
    ]
    buttons = [
        Button(_("Leave a message"), LeaveMessage().encode()),
        Button(_("Book a consultation"), StartBooking().encode()),
    ]
    return [Reply.of("\n\n".join(lines), buttons)]


def _when(at: datetime, locale: str, now: datetime) -> str:
    return format_relative_datetime(at, locale, now)


@router.payload(LeaveMessage)
async def leave_message(incoming: Incoming, ctx: Ctx, tap: LeaveMessage) -> list[Reply]:
    svc = ctx.services
    now = incoming.received_at
    staffed = svc.staffed.is_staffed(now)
    back = None if staffed else svc.staffed.next_opening(now)
    conversation, new = await svc.handoff.open(
        ctx.user_id,
        ctx.user.channel,
        ctx.locale,
        context=_context(incoming, ctx),
        waits_until=back,
        now=now,
    )
    if new:
        staff_group.announce_new(svc, conversation, _name(incoming, ctx))
    ctx.hints[STAFF_ANSWERING] = True
    if back is None:
        text = _("Write your message here; a member of staff will answer in this chat.")
    else:
        text = _(
            "Write your message here. Staff will read it and answer in this chat when they "
            "are back ({when})."
        ).format(when=_when(back, ctx.locale, now))
    return [Reply.of(text, [end_button()])]


@router.prepare_media
async def fetch_for_staff(incoming: Incoming, svc: Services) -> Incoming:
    """A file for staff in a live conversation is downloaded before the message takes its
    place among those in progress (staff_are_answering keeps it); any other file is not
    downloaded at all. Should the conversation end meanwhile, the bytes are simply unused;
    should one start, staff_are_answering downloads the file itself."""
    media = incoming.media
    if media is None or media.fetched is not None or not incoming.private_chat:
        return incoming
    user = await svc.users.get(incoming.user)
    if user is None or user.id is None or await svc.handoff.live_for(user.id) is None:
        return incoming
    fetched = await fetch(svc, incoming.user.channel, media)
    return replace(incoming, media=replace(media, fetched=fetched))


@router.guard
async def staff_are_answering(incoming: Incoming, ctx: Ctx) -> list[Reply] | None:
    """While a conversation is live, the resident's messages go to staff, and the bot is
    silent (commands and buttons still work)."""
    media = incoming.media
    if not incoming.private_chat or (media is None and not (incoming.text or "").strip()):
        return None
    svc = ctx.services
    live = await svc.handoff.live_for(ctx.user_id)
    if live is None or live.id is None:
        return None
    ctx.hints[STAFF_ANSWERING] = True
    if media is not None:
        return await take_attachment(incoming, ctx, live, media, _name(incoming, ctx))
    await svc.handoff.add_message(
        live.id, FROM_RESIDENT, incoming.text or "", now=incoming.received_at
    )
    staff_group.forward(svc, live, _name(incoming, ctx), incoming.text or "")
    return []


def _name(incoming: Incoming, ctx: Ctx) -> str | None:
    """The resident's name as staff know it (kept since they booked) or as the platform shows it."""
    return getattr(ctx.user, "display_name", None) or incoming.display_name


@router.payload(EndHandoff)
async def end_handoff(incoming: Incoming, ctx: Ctx, tap: EndHandoff) -> list[Reply]:
    svc = ctx.services
    live = await svc.handoff.live_for(ctx.user_id)
    ctx.hints[STAFF_ANSWERING] = False
    if live is None or live.id is None or not await svc.handoff.close(live.id):
        return [Reply(_("You are not talking with staff at the moment. Ask me anything."))]
    return [closed_reply(live.id)]


@router.payload(RateHandoff)
async def rate(incoming: Incoming, ctx: Ctx, tap: RateHandoff) -> list[Reply]:
    if not await ctx.services.handoff.rate(tap.conversation, ctx.user_id, tap.helpful):
        return await expired_payload(incoming, ctx)
    return [Reply(_("Thank you for your feedback!"))]
