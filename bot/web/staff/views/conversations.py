"""Conversations: residents talking to a person. The inbox (live through Server-Sent
Events), one conversation with its transcript, and claim, transfer, close and reply.

The desk and administrators see every conversation; a consultant sees those they hold.
Replies go out through the resident's channel (bot/handlers/handoff/delivery.py); the audit
log records who answered (never the text, which /privacy deletes with the transcript).

Those messages are sent directly, not queued in the database, so they go out only after the
change (a reply in the transcript, the conversation closed) and its audit row have committed:
never from inside the transaction, which holds the database while it lasts and could still
roll back after the resident has the message.

Whether the staff member may act is checked again inside the change's transaction, on the
conversation's locked row (`_held_conversation`): between the page's first look and the change,
another worker or tab may have closed it or handed it to someone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from urllib.parse import quote

from aiohttp import web

from bot.core.types import utcnow
from bot.handlers.handoff.delivery import (
    WECHAT_WINDOW_CLOSED,
    add_staff_reply,
    deliver_pending,
    deliver_reply,
    notify_closed,
    send_template_notice,
)
from bot.handlers.handoff.phrases import staff_phrases
from bot.knowledge.placeholders import fill
from bot.store.handoff.attachments import INLINE_IMAGES
from bot.store.handoff.conversations import STALE_CLAIM
from bot.store.handoff.tables import (
    CLOSED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    UNDELIVERABLE,
    HandoffConversation,
    HandoffMessage,
)
from bot.web.staff.core import ANYONE, Staff, page
from bot.web.staff.i18n import t
from bot.web.staff.views.common import int_or_none
from bot.web.staff.views.conversation_data import (
    context_text,
    delivery_json,
    find_conversation,
    inbox_rows,
    json_response,
    message_json,
    staff_locale,
    visible,
)

log = logging.getLogger(__name__)
POLL_SECONDS = 0.4  # how often a live page's stream looks for changes
STREAM_SECONDS = 300.0  # a stream ends after this; the browser reconnects by itself
REFERENCE_LOCALES = ("en", "zh_Hans")  # what staff read beside an inserted text
MAX_REPLY = 4000


@page("GET", "/staff/conversations", ANYONE)
async def inbox(request: web.Request, staff: Staff) -> web.StreamResponse:
    closed = []
    if not staff.is_consultant:
        closed = await staff.services.handoff.inbox(closed=True)
    return staff.render(
        "conversations.html",
        here="/staff/conversations",
        rows=await inbox_rows(staff),
        closed=closed[:20],
        staffed=staff.services.staffed.is_staffed(utcnow()),
    )


@page("GET", "/staff/conversations.json", ANYONE)
async def inbox_json(request: web.Request, staff: Staff) -> web.StreamResponse:
    return json_response({"conversations": await inbox_rows(staff)})


@page("GET", "/staff/conversations/events", ANYONE)
async def events(request: web.Request, staff: Staff) -> web.StreamResponse:
    """Server-Sent Events: `change` whenever a conversation or a message changes; with
    `?conversation=<id>` (an open transcript) also when one of its replies changes state."""
    watched = int_or_none(request.query.get("conversation"))
    if watched is not None:
        found = await staff.services.handoff.get(watched)
        if found is None or not visible(staff, found):
            raise web.HTTPNotFound()
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",  # nginx: pass events on at once
        }
    )
    await response.prepare(request)
    store = staff.services.handoff
    closing = staff.console.closing
    seen = ""
    started = asyncio.get_running_loop().time()
    quiet = 0.0
    try:
        await response.write(b"retry: 1000\n\n")
        while not closing.is_set() and asyncio.get_running_loop().time() - started < STREAM_SECONDS:
            version = await store.version()
            if watched is not None:
                version += ";" + await store.delivery_version(watched)
            if version != seen:
                seen = version
                await response.write(f"event: change\ndata: {json.dumps(version)}\n\n".encode())
                quiet = 0.0
            elif quiet >= 15:
                await response.write(b": still here\n\n")  # keeps proxies from closing it
                quiet = 0.0
            with contextlib.suppress(TimeoutError):  # the poll interval, or shutdown
                await asyncio.wait_for(closing.wait(), POLL_SECONDS)
            quiet += POLL_SECONDS
    except ConnectionResetError:  # the page was closed or reloaded
        pass
    return response


@page("GET", "/staff/conversations/{id:\\d+}", ANYONE)
async def conversation_page(request: web.Request, staff: Staff) -> web.StreamResponse:
    c = await find_conversation(staff, request)
    assert c.id is not None
    svc = staff.services
    user = await svc.users.get_by_id(c.user_id)
    if user is None:
        raise web.HTTPNotFound()
    await svc.handoff.mark_read(c.id)
    accounts = [a for a in await staff.console.accounts.list() if a.active]
    names = {a.id: a.username for a in accounts}
    raw = await svc.handoff.messages(c.id)
    files = await svc.attachments.for_messages([m.id for m in raw if m.id is not None])
    messages = [message_json(m, names, files) for m in raw]
    kb = svc.knowledge
    entries = [e for e in (kb.entries if kb else []) if e.is_topic]
    topics = sorted(
        ((e.id, e.question(staff_locale(staff))) for e in entries),
        key=lambda pair: pair[1].lower(),
    )
    return staff.render(
        "conversation.html",
        here="/staff/conversations",
        c=c,
        user=user,
        messages=messages,
        accounts=accounts,
        claimer=names.get(c.claimed_by or 0, ""),
        may_act=_may_act(staff, c),
        phrases=[(key, texts["en"]) for key, texts in staff_phrases().items()],
        topics=topics,
        context=context_text(staff, c),
        undelivered=any(_undelivered(m) for m in raw),
        window_closed=any(m.delivery_note == WECHAT_WINDOW_CLOSED for m in raw),
        has_template=bool(svc.settings.wechat_template_id),
    )


def _undelivered(message: HandoffMessage) -> bool:
    """A reply that did not arrive, or one still waiting long after it was written (the
    worker sending it died): *Send again* is offered for both."""
    if message.delivery in (FAILED, UNDELIVERABLE):
        return True
    return message.delivery in (PENDING, SENDING) and utcnow() - message.created_at > STALE_CLAIM


def _may_act(staff: Staff, c: HandoffConversation) -> bool:
    """Reply and close: the one who holds it, or the desk and administrators."""
    return c.status != CLOSED and (not staff.is_consultant or c.claimed_by == staff.account.id)


@page("GET", "/staff/conversations/{id:\\d+}/messages.json", ANYONE)
async def messages_json(request: web.Request, staff: Staff) -> web.StreamResponse:
    c = await find_conversation(staff, request)
    assert c.id is not None
    after = int_or_none(request.query.get("after")) or 0
    names = {a.id: a.username for a in await staff.console.accounts.list()}
    messages = await staff.services.handoff.messages(c.id, after=after)
    if messages:
        await staff.services.handoff.mark_read(c.id)
    fresh = await staff.services.handoff.get(c.id)
    ids = [m.id for m in messages if m.id is not None]
    files = await staff.services.attachments.for_messages(ids)
    deliveries = await staff.services.handoff.deliveries(c.id)
    return json_response(
        {
            "status": fresh.status if fresh else CLOSED,
            "messages": [message_json(m, names, files) for m in messages],
            # Every staff reply's state, so the page redraws the badges it already shows.
            "deliveries": [delivery_json(d) for d in deliveries],
        }
    )


@page("GET", "/staff/conversations/{id:\\d+}/attachments/{aid:\\d+}", ANYONE)
async def attachment(request: web.Request, staff: Staff) -> web.StreamResponse:
    """A file a resident sent, for staff who may see the conversation (else 404).

    The type is the one recognised from the bytes when it was received; nosniff keeps the
    browser to it, pictures show inline, a PDF (or HEIC) is downloaded.
    """
    c = await find_conversation(staff, request)
    found = await staff.services.attachments.get(int(request.match_info["aid"]))
    if found is None or found.conversation_id != c.id:
        raise web.HTTPNotFound()
    disposition = "inline" if found.content_type in INLINE_IMAGES else "attachment"
    ascii_name = found.filename.encode("ascii", "replace").decode().replace('"', "_")
    return web.Response(
        body=found.data,
        headers={
            "Content-Type": found.content_type,
            "Content-Disposition": (
                f'{disposition}; filename="{ascii_name}"; '
                f"filename*=UTF-8''{quote(found.filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@page("GET", "/staff/conversations/{id:\\d+}/insert", ANYONE)
async def insert(request: web.Request, staff: Staff) -> web.StreamResponse:
    """A phrase or an FAQ answer in the resident's language, and the English and Chinese."""
    c = await find_conversation(staff, request)
    phrase, topic = request.query.get("phrase", ""), request.query.get("topic", "")
    texts: dict[str, str] = {}
    if phrase:
        texts = staff_phrases().get(phrase, {})
    elif topic and staff.services.knowledge is not None:
        entry = staff.services.knowledge.entry(topic)
        if entry is not None:
            settings = staff.services.settings
            texts = {
                loc: fill(entry.answer(loc), loc, settings)
                for loc in {c.locale, *REFERENCE_LOCALES}
            }
    if not texts or c.locale not in texts:
        raise web.HTTPNotFound()
    return json_response(
        {
            "locale": c.locale,
            "text": texts[c.locale],
            "reference": {loc: texts[loc] for loc in REFERENCE_LOCALES if loc != c.locale},
        }
    )


@page("POST", "/staff/conversations/{id:\\d+}/claim", ANYONE)
async def claim(request: web.Request, staff: Staff) -> web.StreamResponse:
    c = await _open_conversation(staff, request, for_claim=True)
    assert c.id is not None
    async with staff.audited("handoff.claim", f"conversation:{c.id}", after={"user": c.user_id}):
        if not await staff.services.handoff.claim(c.id, staff.account.id):
            staff.back(f"/staff/conversations/{c.id}", "claimed_by_other", error=True)
    staff.back(f"/staff/conversations/{c.id}", "claimed")


@page("POST", "/staff/conversations/{id:\\d+}/transfer", ANYONE)
async def transfer(request: web.Request, staff: Staff) -> web.StreamResponse:
    c = await _open_conversation(staff, request)
    assert c.id is not None
    target_id = int_or_none((await staff.form()).get("to"))
    target = await staff.console.accounts.get(target_id) if target_id else None
    if target is None or not target.active:
        staff.back(f"/staff/conversations/{c.id}", "bad_request", error=True)
    assert target is not None
    async with staff.audited(
        "handoff.transfer", f"conversation:{c.id}", after={"claimed_by": target.id}
    ) as audit:
        held = await _held_conversation(staff, c.id)
        audit.before = {"claimed_by": held.claimed_by}
        await staff.services.handoff.transfer(c.id, target.id)
    back = "/staff/conversations" if staff.is_consultant else f"/staff/conversations/{c.id}"
    staff.back(back, "transferred")


@page("POST", "/staff/conversations/{id:\\d+}/close", ANYONE)
async def close(request: web.Request, staff: Staff) -> web.StreamResponse:
    c = await _open_conversation(staff, request)
    assert c.id is not None
    async with staff.audited("handoff.close", f"conversation:{c.id}", after={"user": c.user_id}):
        await _held_conversation(staff, c.id)
        if not await staff.services.handoff.close(c.id):
            staff.back(f"/staff/conversations/{c.id}", "conversation_closed_already", error=True)
    # Closed and recorded: now the resident is told (a message sent directly, see above).
    status = await notify_closed(staff.services, c)
    if status != SENT:  # (the audit row, committed before the send, cannot say)
        log.info("conversation %s closed; the resident's notice was not sent: %s", c.id, status)
    staff.back(f"/staff/conversations/{c.id}", "conversation_closed")


@page("POST", "/staff/conversations/{id:\\d+}/reply", ANYONE)
async def reply(request: web.Request, staff: Staff) -> web.StreamResponse:
    c = await _open_conversation(staff, request)
    assert c.id is not None
    form = await staff.form()
    text = form.get("text", "").strip()[:MAX_REPLY]
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if not text:
        if wants_json:
            return json_response({"ok": False, "error": t("Type a reply first.")})
        staff.back(f"/staff/conversations/{c.id}", "reply_empty", error=True)
    async with staff.audited("handoff.reply", f"conversation:{c.id}") as audit:
        held = await _held_conversation(staff, c.id)
        if held.claimed_by is None:  # answering claims it
            await staff.services.handoff.claim(c.id, staff.account.id)
        message = await add_staff_reply(staff.services, c, staff.account.id, text)
        audit.after = {"message": message.id, "user": c.user_id}
    # In the transcript and recorded: now it is sent (see above). How it went is kept on the
    # message (its delivery, shown in the transcript), not in the audit row.
    message = await deliver_reply(staff.services, c, message)
    names = {staff.account.id: staff.account.username}
    shown = message_json(message, names)
    if wants_json:
        return json_response({"ok": True, "message": shown})
    if message.delivery in (PENDING, SENDING):  # another worker is sending it still
        staff.back(f"/staff/conversations/{c.id}")
    if message.delivery != SENT:
        staff.back(
            f"/staff/conversations/{c.id}", "reply_not_delivered", error=True, detail=shown["note"]
        )
    staff.back(f"/staff/conversations/{c.id}", "reply_sent")


@page("POST", "/staff/conversations/{id:\\d+}/retry", ANYONE)
async def retry(request: web.Request, staff: Staff) -> web.StreamResponse:
    """Send the replies that did not arrive again, in order."""
    c = await _open_conversation(staff, request)
    assert c.id is not None
    async with staff.audited("handoff.resend", f"conversation:{c.id}"):
        await _held_conversation(staff, c.id)
        await staff.services.handoff.requeue(c.id)
    await deliver_pending(staff.services, c)  # after the commit (see above)
    staff.back(f"/staff/conversations/{c.id}")


@page("POST", "/staff/conversations/{id:\\d+}/notice", ANYONE)
async def notice(request: web.Request, staff: Staff) -> web.StreamResponse:
    """WeChat's window is closed: send the template notice (when one is configured)."""
    c = await _open_conversation(staff, request)
    # Nothing changes in the database: the audit row records a message sent directly, and
    # how it went, so it is written after the send, in a transaction of its own.
    status = await send_template_notice(staff.services, c)
    await staff.audit("handoff.notice", f"conversation:{c.id}", after={"delivery": status})
    code = "notice_sent" if status == "sent" else "notice_not_sent"
    staff.back(f"/staff/conversations/{c.id}", code, error=status != "sent")


async def _open_conversation(
    staff: Staff, request: web.Request, *, for_claim: bool = False
) -> HandoffConversation:
    found = await staff.services.handoff.get(int(request.match_info["id"]))
    return _may_change(staff, found, for_claim=for_claim)


async def _held_conversation(staff: Staff, conversation_id: int) -> HandoffConversation:
    """In an `audited` block: the conversation as the change finds it, held until the block
    commits, refused as `_open_conversation` refuses it (the refusal rolls the block back)."""
    await staff.services.db.lock_row(HandoffConversation, conversation_id)
    return _may_change(staff, await staff.services.handoff.get(conversation_id))


def _may_change(
    staff: Staff, found: HandoffConversation | None, *, for_claim: bool = False
) -> HandoffConversation:
    """The conversation, if this staff member may change it now; else the page's refusal."""
    if found is None:
        raise web.HTTPNotFound()
    if found.status == CLOSED:
        staff.back(f"/staff/conversations/{found.id}", "conversation_closed_already", error=True)
    if not for_claim and not _may_act(staff, found):
        raise web.HTTPNotFound()
    if for_claim and staff.is_consultant and found.claimed_by not in (None, staff.account.id):
        raise web.HTTPNotFound()
    return found
