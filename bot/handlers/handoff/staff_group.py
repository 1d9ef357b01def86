"""The optional staff Telegram group (HANDOFF_STAFF_GROUP): new conversations, residents'
messages and emergencies are posted there, each tagged with its conversation (#c12), and a
staff member who replies to such a post answers the resident — for centres that live in
Telegram rather than in the console.

Posts go out after the resident's message is handled (a task), so the group's rate limit
never holds up the resident's answer or the database. A staff reply is written to the
transcript in the staff member's message and sent to the resident once that has committed;
one that does not arrive is reported in the group.
"""

from __future__ import annotations

import asyncio
import logging
import re

from bot.core.channel import brand_name
from bot.core.router import Router
from bot.core.types import Incoming, Reply, UserRef
from bot.handlers.handoff.delivery import WECHAT_WINDOW_CLOSED, add_staff_reply, deliver_reply
from bot.i18n import _, use_locale
from bot.i18n.locales import NATIVE_NAMES
from bot.services import Ctx, Services
from bot.store.handoff.tables import PENDING, SENDING, SENT, HandoffConversation
from bot.store.staff.audit import Actor, AuditLog

log = logging.getLogger(__name__)
router = Router("handoff-staff-group")
TAG = re.compile(r"#c(\d{1,12})\b")
_posting: set[asyncio.Task[None]] = set()


def _group(services: Services) -> str | None:
    group = services.settings.handoff_staff_group
    return str(group) if group is not None else None


def _who(conversation: HandoffConversation, name: str | None) -> str:
    language = NATIVE_NAMES.get(conversation.locale, conversation.locale)
    who = name or _("Resident #{id}").format(id=conversation.user_id)
    return f"#c{conversation.id} · {who} · {language} · {brand_name(conversation.channel)}"


def post(services: Services, text: str) -> None:
    """Post to the staff group, if there is one, without waiting for it."""
    group = _group(services)
    if group is None:
        return

    async def send() -> None:
        try:
            result = await services.channels.send(UserRef("telegram", group), [Reply(text)])
            if result.status != SENT:
                log.warning("staff group: post not delivered (%s)", result.reason)
        except Exception:
            log.exception("staff group: post failed")

    task = asyncio.get_running_loop().create_task(send(), name="staff group post")
    _posting.add(task)
    task.add_done_callback(_posting.discard)


def announce_new(services: Services, conversation: HandoffConversation, name: str | None) -> None:
    if _group(services) is None:
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
    if _group(services) is None:
        return
    with use_locale(services.settings.default_locale):
        post(services, f"{_who(conversation, name)}\n{text}")


def announce_emergency(
    services: Services, conversation: HandoffConversation | None, name: str | None, text: str
) -> None:
    if _group(services) is None:
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
    group = _group(services)
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
    message = await add_staff_reply(svc, conversation, None, incoming.text or "")
    who = f"telegram group: {incoming.display_name or '?'} ({incoming.user})"
    # In this message's unit of work (the dispatcher's): the row commits with the reply's.
    # Its delivery is recorded on the message (the transcript), once it is known.
    await AuditLog(svc.db).record(
        Actor(None, who[:64]),
        "handoff.reply",
        f"conversation:{conversation.id}",
        after={"message": message.id, "user": conversation.user_id},
    )
    locale = ctx.locale

    async def deliver() -> None:
        """Sent once the reply is in the transcript for good (not while this message holds
        the database); a reply that did not arrive is reported in the group."""
        delivered = await deliver_reply(svc, conversation, message)
        # Still pending or sending after the wait: another worker has it; how it went shows
        # in the console's transcript.
        if delivered.delivery in (SENT, PENDING, SENDING):
            return
        reason = delivered.delivery_note or delivered.delivery or ""
        with use_locale(locale):
            if reason == WECHAT_WINDOW_CLOSED:
                reason = _("the WeChat 48-hour window is closed")
            note = _("Not delivered to the resident: {reason}").format(reason=reason)
            post(svc, f"#c{conversation.id}: {note}")

    ctx.after_commit.append(deliver)
    return []
