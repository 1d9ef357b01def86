"""/privacy: what Linzhu stores about the resident, and deleting it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.channel import brand_name
from bot.core.payloads import Payload
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.i18n import LOCALES, _
from bot.i18n.format import format_date, language_name
from bot.services import Ctx
from bot.store.privacy import PrivacyStore
from bot.store.webhistory import KEEP as HISTORY_KEPT

router = Router("privacy", private=True)


@dataclass(frozen=True)
class ShowPrivacy(Payload, prefix="privacy:show"):
    pass


@dataclass(frozen=True)
class DeleteData(Payload, prefix="privacy:delete"):
    confirmed: Literal["yes"] | None = None


@router.command("privacy")
async def privacy_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return await show(ctx)


@router.payload(ShowPrivacy)
async def privacy_button(incoming: Incoming, ctx: Ctx, tap: ShowPrivacy) -> list[Reply]:
    return await show(ctx)


async def show(ctx: Ctx) -> list[Reply]:
    svc = ctx.services
    stored = await PrivacyStore(svc.db).summary(ctx.user_id)
    bookings = await svc.bookings.upcoming_for(ctx.user_id)
    registrations = await svc.events.registrations_for(ctx.user_id)
    chosen = ctx.user.locale
    known = chosen is not None and chosen in LOCALES
    language = language_name(chosen, ctx.locale) if chosen and known else _("not chosen")
    channel = brand_name(ctx.user.channel)
    name = getattr(ctx.user, "display_name", None)  # kept since they booked (bookings.py)
    lines = [
        _("*What I store about you*"),
        _("- your chat id in {channel}").format(channel=channel),
        *(
            [_("- your name as {channel} shows it: {name}").format(channel=channel, name=name)]
            if name
            else []
        ),
        _("- the language I speak with you: {language}").format(language=language),
        _("- first contact: {date}").format(date=format_date(ctx.user.first_seen, ctx.locale)),
        _("- upcoming consultations: {n}").format(n=len(bookings)),
        _("- event registrations: {n}").format(n=len(registrations)),
        _("- questions passed on to staff: {n}").format(n=stored.questions),
        _("- answers you rated: {n}").format(n=stored.feedback),
        _("- reminders waiting to be sent: {n}").format(n=stored.pending_messages),
        *(
            [
                _(
                    "- the last {n} messages of this chat, to show them again when you reload "
                    "the page"
                ).format(n=HISTORY_KEPT)
            ]
            if ctx.user.channel == "web"
            else []
        ),
        _("- conversations with staff (transcripts): {n}").format(n=stored.conversations),
        "",
        _(
            "I use this only to answer you, to book and to remind you; the centre's staff see "
            "bookings, registrations and unanswered questions. An unfinished conversation is "
            "forgotten after a day."
        ),
    ]
    buttons = [
        Button(_("Delete my data"), DeleteData().encode()),
        Button(_("Main menu"), "menu:main"),
    ]
    return [Reply.of("\n".join(lines), buttons)]


@router.payload(DeleteData)
async def delete(incoming: Incoming, ctx: Ctx, tap: DeleteData) -> list[Reply]:
    if tap.confirmed == "yes":
        return await erase(ctx)
    return [
        Reply.of(
            _(
                "This cancels your consultations and event registrations and deletes "
                "everything I store about you. Continue?"
            ),
            [
                Button(_("Yes, delete everything"), DeleteData("yes").encode()),
                Button(_("« Back"), ShowPrivacy().encode()),
            ],
        )
    ]


async def erase(ctx: Ctx) -> list[Reply]:
    svc = ctx.services
    await PrivacyStore(svc.db).erase_everything(ctx.user, svc.bookings, svc.events)
    ctx.state.clear()
    return [
        Reply(
            _(
                "Done: your consultations and registrations are cancelled and everything I "
                "stored about you is deleted. Only your chat id remains, so that I can answer "
                "if you write again."
            )
        )
    ]
