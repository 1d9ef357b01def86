"""Staff replies to the resident's channel, one conversation at a time and in order.

The console (web layer) calls these; they go through the channel's `Sender` — Telegram's
shares the rate budget with every other message, the web chat's files them in the page's
inbox, WeChat's sends customer-service messages — in the resident's language. WeChat only
delivers within 48 hours of the resident's last message: past that, the reply is marked
undeliverable at once, with the reason staff read.

Across workers the database keeps the order and sends each reply once: a process claims
the conversation's oldest pending reply (`HandoffStore.claim_next`: pending → sending, only
while no other reply of the conversation is being sent), sends it outside any transaction,
records the outcome, and claims the next, until there is nothing to claim. A process that
finds another one sending for the conversation leaves the rest to it.

Nothing waits on a process that died: the sweep (`deliver_unattended`, run beside the
reminder dispatcher) runs the same loop for conversations whose reply was claimed too long
ago or left pending with nobody sending. The process that records that a reply written in
the staff Telegram group did not arrive posts that in the group, whoever waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core.locks import KeyedLocks
from bot.core.observe import REPLY_SEND, send_outcome, signals
from bot.core.types import Reply, UserRef, utcnow
from bot.handlers.handoff.group_posts import post
from bot.handlers.handoff.texts import closed_reply
from bot.i18n import _, use_locale
from bot.services import Services
from bot.store.handoff.tables import (
    FAILED,
    FROM_STAFF,
    PENDING,
    SENDING,
    SENT,
    UNDELIVERABLE,
    HandoffConversation,
    HandoffMessage,
)

log = logging.getLogger(__name__)
# The delivery note staff read, translated by the console.
WECHAT_WINDOW_CLOSED = "wechat_window_closed"
# Within one process, callers for the same conversation take turns here. Not for
# correctness (the claims in the database give that, across processes too): a second reply
# typed while the first is on its way waits for that sending loop, which sends it as well,
# and so learns its outcome without polling, and spends no database round trips on claims
# that would only find the conversation busy. Also keeps the closing notice after replies.
# Keyed by the database object as well (one per process in production), so that two
# `Database`s in one process, as the tests make them, behave like two processes.
_locks = KeyedLocks()
# How long a caller waits for the outcome of its reply when another worker is sending the
# conversation's replies (it reports the reply as still sending after that).
RESULT_WAIT = 15.0
_POLL = 0.25


async def send_staff_reply(
    services: Services, conversation: HandoffConversation, author_id: int | None, text: str
) -> HandoffMessage:
    """Put the reply in the transcript and deliver it (after any still waiting)."""
    message = await add_staff_reply(services, conversation, author_id, text)
    return await deliver_reply(services, conversation, message)


async def add_staff_reply(
    services: Services,
    conversation: HandoffConversation,
    author_id: int | None,
    text: str,
    *,
    via_group: bool = False,
) -> HandoffMessage:
    """The reply in the transcript, waiting to be delivered (a database write only: it may
    be part of a larger transaction, which must commit before `deliver_reply`).
    `via_group`: written in the staff group, where a failure to deliver it is reported."""
    assert conversation.id is not None
    return await services.handoff.add_message(
        conversation.id, FROM_STAFF, text, author_id=author_id, via_group=via_group
    )


async def deliver_reply(
    services: Services, conversation: HandoffConversation, message: HandoffMessage
) -> HandoffMessage:
    """Deliver the replies waiting (this one among them, in order); the message as it is
    now. When another worker is sending the conversation's replies, that worker sends this
    one too: its outcome is awaited for up to RESULT_WAIT seconds."""
    assert conversation.id is not None and message.id is not None
    message_id = message.id
    await deliver_pending(services, conversation)
    current = message

    async def settled() -> bool:
        nonlocal current
        current = await services.handoff.message(message_id) or current
        return current.delivery not in (PENDING, SENDING)

    await _poll(settled)
    return current


async def deliver_pending(services: Services, conversation: HandoffConversation) -> None:
    """Send the conversation's pending replies, oldest first, each handed to the channel
    once whichever worker sends it (see the module's docstring). Call it outside any
    transaction, after the replies committed: it sends over the network."""
    assert conversation.id is not None
    async with _locks.hold((services.db, conversation.id)):
        await _send_pending(services, conversation)


async def _send_pending(services: Services, conversation: HandoffConversation) -> None:
    """Claim → send → record → claim again, until nothing can be claimed.

    No reply is left pending. Whoever adds a reply calls this after the reply commits, so
    its claim comes after the reply. Either that claim takes a reply (and this loop goes on
    claiming until none is left), or it finds none pending (nothing to do), or it finds
    another process sending. In that last case the other process has not recorded its
    outcome yet when we look, and after recording it always claims again: that claim comes
    after ours, so after the new reply committed, and sees it. A reply added just as the
    other loop ends is therefore taken either by that loop's last claim or, when that claim
    came first and found nothing, by ours (which then finds nobody sending). On PostgreSQL
    a reply's id follows the commit order within its conversation (add_message), so a claim
    that sees a reply sees every older one.

    A claim left by a process that died mid-send is taken again after STALE_CLAIM
    (bot/store/handoff/conversations.py): that reply is sent at least once, not exactly
    once. A loop whose claim went stale meanwhile and was taken over stops there: the
    process that took it goes on."""
    assert conversation.id is not None
    while (message := await services.handoff.claim_next(conversation.id)) is not None:
        try:
            status, note = await _deliver(services, conversation, [Reply(message.text)])
        except BaseException as exc:
            # Whether it reached the resident is unknown: staff see it as not delivered
            # (they may send it again) rather than the conversation waiting out the claim.
            note = f"interrupted: {type(exc).__name__}"
            if await services.handoff.record_delivery(message, FAILED, note):
                _report_undelivered(services, message, note)
            raise
        if not await services.handoff.record_delivery(message, status, note):
            return
        if status != SENT:
            _report_undelivered(services, message, note or status)


def _report_undelivered(services: Services, message: HandoffMessage, reason: str) -> None:
    """A reply written in the staff group did not arrive: say so there. Called by the one
    process whose record of the outcome took (record_delivery), so posted once per failed
    send, whichever process sent it and whoever waited for it."""
    if not message.via_group:
        return
    with use_locale(services.settings.default_locale):  # the group's, like its other posts
        if reason == WECHAT_WINDOW_CLOSED:
            reason = _("the WeChat 48-hour window is closed")
        note = _("Not delivered to the resident: {reason}").format(reason=reason)
    post(services, f"#c{message.conversation_id}: {note}")


async def deliver_unattended(services: Services, now: datetime | None = None) -> int:
    """The sweep: deliver the replies nobody is delivering (a claim gone stale, a reply left
    pending; HandoffStore.unattended) through the usual loop, so the order and the claim
    rules hold as for any delivery, and two sweeps at once send each reply once. Only the
    channels this process can send to: others' replies wait rather than fail for want of a
    sender here. How many conversations it took on."""
    found = await services.handoff.unattended(services.channels.with_senders(), now)
    for conversation in found:
        try:
            await deliver_pending(services, conversation)
        except Exception:  # one conversation's trouble does not hold up the others
            log.exception("handoff sweep: delivering conversation %s failed", conversation.id)
    return len(found)


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
    async with _locks.hold((services.db, conversation.id)):
        # After the replies: ours are sent now, another worker's are awaited (a while).
        await _send_pending(services, conversation)
        conversation_id = conversation.id

        async def settled() -> bool:
            return not await services.handoff.in_flight(conversation_id)

        await _poll(settled)
        with use_locale(conversation.locale):
            reply = closed_reply(conversation.id)
        status, _note = await _deliver(services, conversation, [reply])
        return status


async def _poll(done: Callable[[], Awaitable[bool]]) -> None:
    """Until `done()` (at once, nearly always), or RESULT_WAIT: what another worker does
    shows in the database only."""
    deadline = asyncio.get_running_loop().time() + RESULT_WAIT
    while not await done():
        if asyncio.get_running_loop().time() >= deadline:
            return
        await asyncio.sleep(_POLL)


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
