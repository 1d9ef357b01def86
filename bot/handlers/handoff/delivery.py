"""Staff replies to the resident's channel, one conversation at a time and in order.

The console (web layer) calls these; they go through the channel's `Sender` — Telegram's
shares the rate budget with every other message, the web chat's files them in the page's
inbox, WeChat's sends customer-service messages — in the resident's language. WeChat only
delivers within 48 hours of the resident's last message: past that, the reply is marked
undeliverable at once, with the reason staff read.
"""

from __future__ import annotations

from bot.core.locks import KeyedLocks
from bot.core.observe import REPLY_SEND, send_outcome, signals
from bot.core.types import Reply, UserRef, utcnow
from bot.handlers.handoff.texts import closed_reply
from bot.i18n import _, use_locale
from bot.services import Services
from bot.store.handoff.tables import (
    FAILED,
    FROM_STAFF,
    SENT,
    UNDELIVERABLE,
    HandoffConversation,
    HandoffMessage,
)

# The delivery note staff read, translated by the console.
WECHAT_WINDOW_CLOSED = "wechat_window_closed"
_locks = KeyedLocks()


async def send_staff_reply(
    services: Services, conversation: HandoffConversation, author_id: int | None, text: str
) -> HandoffMessage:
    """Put the reply in the transcript and deliver it (after any still waiting)."""
    message = await add_staff_reply(services, conversation, author_id, text)
    return await deliver_reply(services, conversation, message)


async def add_staff_reply(
    services: Services, conversation: HandoffConversation, author_id: int | None, text: str
) -> HandoffMessage:
    """The reply in the transcript, waiting to be delivered (a database write only: it may
    be part of a larger transaction, which must commit before `deliver_reply`)."""
    assert conversation.id is not None
    return await services.handoff.add_message(
        conversation.id, FROM_STAFF, text, author_id=author_id
    )


async def deliver_reply(
    services: Services, conversation: HandoffConversation, message: HandoffMessage
) -> HandoffMessage:
    """Deliver the replies waiting (this one among them, in order); the message as it is now."""
    assert conversation.id is not None
    await deliver_pending(services, conversation)
    fresh = [m for m in await services.handoff.messages(conversation.id) if m.id == message.id]
    return fresh[0] if fresh else message


async def deliver_pending(services: Services, conversation: HandoffConversation) -> None:
    assert conversation.id is not None
    async with _locks.hold(conversation.id):
        for message in await services.handoff.pending(conversation.id):
            assert message.id is not None
            status, note = await _deliver(services, conversation, [Reply(message.text)])
            await services.handoff.set_delivery(message.id, status, note)


async def resend(services: Services, conversation: HandoffConversation) -> None:
    """Try the replies that did not arrive again, oldest first (say, after the resident
    wrote again and WeChat's window reopened)."""
    assert conversation.id is not None
    await services.handoff.requeue(conversation.id)
    await deliver_pending(services, conversation)


async def send_template_notice(services: Services, conversation: HandoffConversation) -> str:
    """WeChat, window closed: the configured template message tells the resident that
    staff replied and that writing again lets them read it. The delivery status."""
    user = await services.users.get_by_id(conversation.user_id)
    if user is None or user.channel != "wechat" or not services.settings.wechat_template_id:
        return UNDELIVERABLE
    with use_locale(conversation.locale):
        text = _("The centre's staff have replied to you. Send any message here to read it.")
        result = await services.channels.send(
            UserRef(user.channel, user.external_id), [Reply(text)]
        )
    return SENT if result.status == "sent" else FAILED


async def notify_closed(services: Services, conversation: HandoffConversation) -> str:
    """Tell the resident the conversation ended (with the 👍/👎); the delivery status."""
    assert conversation.id is not None
    async with _locks.hold(conversation.id):
        with use_locale(conversation.locale):
            reply = closed_reply(conversation.id)
        status, _note = await _deliver(services, conversation, [reply])
        return status


async def _deliver(
    services: Services, conversation: HandoffConversation, replies: list[Reply]
) -> tuple[str, str | None]:
    user = await services.users.get_by_id(conversation.user_id)
    if user is None:
        return UNDELIVERABLE, "the resident's record was deleted"
    window = services.channels.capabilities(user.channel).reply_window
    if window is not None and utcnow() - user.last_seen >= window:
        return UNDELIVERABLE, WECHAT_WINDOW_CLOSED
    with use_locale(conversation.locale):
        result = await services.channels.send(UserRef(user.channel, user.external_id), replies)
    outcome = send_outcome(result.status, result.retry_after)
    signals.emit(REPLY_SEND, channel=user.channel, kind="staff", result=outcome)
    if result.status == "sent":
        return SENT, None
    reason = result.reason or ""
    if result.window_closed:
        return UNDELIVERABLE, WECHAT_WINDOW_CLOSED
    return (UNDELIVERABLE if reason.startswith("undeliverable") else FAILED), reason
