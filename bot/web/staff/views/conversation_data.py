"""What the Conversations pages show: inbox rows and messages as JSON-ready data (the
live page redraws from the same data), the context of a request, who may see what."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.core.types import utcnow
from bot.handlers.handoff.delivery import WECHAT_WINDOW_CLOSED
from bot.i18n.locales import NATIVE_NAMES
from bot.store.handoff.attachments import INLINE_IMAGES
from bot.store.handoff.conversations import Delivery, InboxRow
from bot.store.handoff.tables import HandoffConversation, HandoffMessage
from bot.web.staff.core import Staff
from bot.web.staff.formatting import CHANNELS, fmt_datetime, label
from bot.web.staff.i18n import t


def visible(staff: Staff, conversation: HandoffConversation) -> bool:
    return not staff.is_consultant or conversation.claimed_by == staff.account.id


async def find_conversation(staff: Staff, request: web.Request) -> HandoffConversation:
    found = await staff.services.handoff.get(int(request.match_info["id"]))
    if found is None or not visible(staff, found):
        raise web.HTTPNotFound()
    return found


def waiting_minutes(conversation: HandoffConversation, now: datetime) -> int:
    """Minutes since the conversation opened (or since staff are due back)."""
    since = max(conversation.opened_at, conversation.waits_until or conversation.opened_at)
    return max(0, int((now - since).total_seconds() // 60))


async def inbox_rows(staff: Staff) -> list[dict[str, Any]]:
    own = staff.account.id if staff.is_consultant else None
    rows = await staff.services.handoff.inbox(staff_id=own)
    names = {a.id: a.username for a in await staff.console.accounts.list()}
    now = utcnow()
    return [row_json(r, names, now, staff) for r in rows]


def row_json(row: InboxRow, names: dict[int, str], now: datetime, staff: Staff) -> dict[str, Any]:
    c = row.conversation
    return {
        "id": c.id,
        "name": row.user.display_name or t("Resident") + f" #{row.user.id}",
        "locale": c.locale,
        "language": NATIVE_NAMES.get(c.locale, c.locale),
        "channel": c.channel,
        "channel_name": label(CHANNELS, c.channel),
        "status": c.status,
        "claimed_by": names.get(c.claimed_by or 0, ""),
        "mine": c.claimed_by == staff.account.id,
        "waiting_minutes": waiting_minutes(c, now),
        "waits_until": fmt_datetime(c.waits_until) if c.waits_until else "",
        "unread": c.unread,
        "alert": c.alert,
        "context": context_text(staff, c),
        "last": (row.last_text or "")[:140],
    }


def context_text(staff: Staff, conversation: HandoffConversation) -> str:
    """The bot exchange before the request: the last FAQ topic, in the staff's language."""
    topic = conversation.context.get("topic")
    kb = staff.services.knowledge
    entry = kb.entry(topic) if kb and topic else None
    parts = []
    if entry is not None:
        parts.append(t("Last topic:") + " " + entry.question(staff_locale(staff)))
    said = conversation.context.get("said")
    if said:
        parts.append(t("Asked:") + " " + str(said)[:200])
    return " · ".join(parts)


def staff_locale(staff: Staff) -> str:
    return "zh_Hans" if staff.account.ui_locale == "zh_Hans" else "en"


def attachment_json(conversation_id: int, found: dict[str, Any]) -> dict[str, Any]:
    """A file in the transcript: where staff open it, and whether it shows as a picture."""
    return {
        **found,
        "url": f"/staff/conversations/{conversation_id}/attachments/{found['id']}",
        "image": found["content_type"] in INLINE_IMAGES,
        "kb": max(1, round(found["size"] / 1024)),
    }


def delivery_note(note: str | None) -> str:
    """Why a reply did not arrive, as staff read it."""
    if note == WECHAT_WINDOW_CLOSED:
        return t("undeliverable: the WeChat 48-hour window is closed")
    return note or ""


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    """A staff reply's state, for a live transcript to redraw its badge."""
    return {
        "id": delivery.message_id,
        "delivery": delivery.state,
        "note": delivery_note(delivery.note),
        # The page then shows what staff can do about WeChat's window (the template notice).
        "window_closed": delivery.note == WECHAT_WINDOW_CLOSED,
    }


def message_json(
    message: HandoffMessage,
    names: dict[int, str],
    files: dict[int, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": message.direction,
        "text": message.text,
        "author": names.get(message.author_id or 0, ""),
        "at": fmt_datetime(message.created_at),
        "delivery": message.delivery or "",
        "note": delivery_note(message.delivery_note),
        "emergency": message.emergency,
        "files": [
            attachment_json(message.conversation_id, f)
            for f in (files or {}).get(message.id or 0, [])
        ],
    }


def json_response(data: object) -> web.Response:
    return web.json_response(data, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))
