"""The optional staff Telegram group (HANDOFF_STAFF_GROUP): new conversations, residents'
messages and emergencies are posted there, each tagged with its conversation (#c12), and a
staff member who replies to such a post answers the resident — for centres that live in
Telegram rather than in the console.

Posts go out after the resident's message is handled (a task), so the group's rate limit
never holds up the resident's answer or the database. A staff reply is written to the
transcript in the staff member's message and sent to the resident once that has committed;
one that does not arrive is reported in the group by whichever process records that, be it
this one, another worker that was sending the conversation's replies, or the sweep
(bot/handlers/handoff/delivery.py).
"""

from __future__ import annotations

import re

from bot.core.channel import brand_name
from bot.core.router import Router
from bot.core.types import Incoming, Reply
from bot.handlers.handoff.delivery import add_staff_reply, deliver_pending
from bot.handlers.handoff.group_posts import post, staff_group_of
from bot.i18n import _, use_locale
from bot.i18n.locales import NATIVE_NAMES
from bot.services import Ctx, Services
from bot.store.handoff.tables import HandoffConversation
from bot.store.staff.audit import Actor, AuditLog

router = Router("handoff-staff-group")
TAG = re.compile(r"#c(\d{1,12})\b")


def _who(conversation: HandoffConversation, name: str | None) -> str:
    language = NATIVE_NAMES.get(conversation.locale, conversation.locale)
    who = name or _("Resident #{id}").format(id=conversation.user_id)
    return f"#c{conversation.id} · {who} · {language} · {brand_name(conversation.channel)}"


def announce_new(services: Services, conversation: HandoffConversation, name: str | None) -> None:
    if staff_group_of(services) is None:
        return
    with use_locale(services.settings.default_locale):
        said = conversation.context.get("said")
        lines = [
            _("New conversation with a person: {who}").format(who=_who(conversation, name)),
            *([f"“{said}”"] if said else []),
            _("Reply to this message to answer the resident."),
        ]
    post(services, "\n".join(lines))


def forward(
    services: Services, conversation: HandoffConversation, name: str | None, text: str
) -> None:
    if staff_group_of(services) is None:
        return
    with use_locale(services.settings.default_locale):
        post(services, f"{_who(conversation, name)}\n{text}")


def announce_emergency(
    services: Services, conversation: HandoffConversation | None, name: str | None, text: str
) -> None:
    if staff_group_of(services) is None:
        return
    with use_locale(services.settings.default_locale):
        if conversation is not None:
            head = _("Emergency in {who}: the emergency numbers were sent.").format(
                who=_who(conversation, name)
            )
        else:
            head = _("Emergency: the emergency numbers were sent to a resident ({name}).").format(
                name=name or "—"
            )
        post(services, f"🚨 {head}\n“{text}”")


def in_staff_group(services: Services, incoming: Incoming) -> bool:
    """A message written in the staff group (staff among themselves, or a reply)."""
    group = staff_group_of(services)
    return group is not None and incoming.user.channel == "telegram" and incoming.chat_id == group


@router.guard
async def staff_group_message(incoming: Incoming, ctx: Ctx) -> list[Reply] | None:
    """In the staff group: a reply to a conversation's post answers the resident; anything
    else there is staff talking among themselves, and the bot stays out of it."""
    if not in_staff_group(ctx.services, incoming):
        return None
    found = TAG.search(incoming.quoted or "")
    if found is None:
        return []
    svc = ctx.services
    conversation = await svc.handoff.get(int(found.group(1)))
    if conversation is None or conversation.open_key is None:
        return [Reply(_("That conversation is closed; the resident did not get this."))]
    message = await add_staff_reply(svc, conversation, None, incoming.text or "", via_group=True)
    who = f"telegram group: {incoming.display_name or '?'} ({incoming.user})"
    # In this message's unit of work (the dispatcher's): the row commits with the reply's.
    # Its delivery is recorded on the message (the transcript), once it is known.
    await AuditLog(svc.db).record(
        Actor(None, who[:64]),
        "handoff.reply",
        f"conversation:{conversation.id}",
        after={"message": message.id, "user": conversation.user_id},
    )

    async def deliver() -> None:
        """Sent once the reply is in the transcript for good (not while this message holds
        the database). Nothing to wait for here: if it does not arrive, the process that
        records so reports it in the group (another worker may be sending it)."""
        await deliver_pending(svc, conversation)

    ctx.after_commit.append(deliver)
    return []
