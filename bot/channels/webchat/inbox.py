"""The web chat's proactive messages: a sender that files them in an inbox, and the API that
hands them to the page.

The web chat has no push, so reminders wait in the `web_inbox` table until the page asks:
GET /api/inbox answers like POST /api/chat ({"locale", "replies"}) with the messages
not fetched before; the page polls it every few seconds.
"""

from __future__ import annotations

from typing import Any

from bot.channels.webchat.api import reply_json
from bot.core.sender import SendResult
from bot.core.types import Reply, UserRef
from bot.i18n import current_locale
from bot.store.inbox import InboxStore


class WebInboxSender:
    """Sender for channel "web": stores the message for the page's next poll."""

    channel = "web"

    def __init__(self, inbox: InboxStore) -> None:
        self.inbox = inbox

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult:
        await self.inbox.put(
            user.external_id, current_locale.get(), [reply_json(r) for r in replies]
        )
        return SendResult.sent()


async def fetch_inbox(
    inbox: InboxStore, user: str, default_locale: str
) -> tuple[str, list[dict[str, Any]]]:
    """The locale and the user's messages not handed out before (the caller decided who the
    user is)."""
    rows = await inbox.take(user)
    replies = [reply for row in rows for reply in row.replies]
    locale = next((r.locale for r in reversed(rows) if r.locale), default_locale)
    return locale, replies
