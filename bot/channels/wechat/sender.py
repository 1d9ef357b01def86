"""Proactive WeChat messages: customer service inside the window, a template outside it.

WeChat delivers customer-service messages only within 48 hours of the user's last message
(users.last_seen) and at most 5 of them in that time (errcode 45015 otherwise). Every
worker counts in one shared value per user, reset by the user's next message.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot.channels.wechat.api import WeChatApi, WeChatError, WeChatUnavailable
from bot.channels.wechat.render import render_texts
from bot.config import Settings
from bot.core.sender import SendResult
from bot.core.types import Reply, UserRef, utcnow
from bot.i18n.format import babel_locale
from bot.i18n.translation import current_locale
from bot.store.db import Database
from bot.store.shared import SharedValues
from bot.store.users import UserStore

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
MAX_IN_WINDOW = 5
WINDOW_CLOSED = frozenset({45015, 45047})  # out of time / out of response count
UNSUBSCRIBED = frozenset({43004, 43019})  # require subscribe / user blacklisted the account
TRANSIENT = frozenset({-1, 45009, 45011})  # system busy, API daily quota, API frequency


class ServiceWindow:
    """How many customer-service messages a user can still get, shared by all workers."""

    def __init__(self, db: Database) -> None:
        self.values = SharedValues(db)

    async def reserve(self, openid: str, last_seen: datetime, now: datetime | None = None) -> bool:
        """Take one of the window's messages; False when the window is closed or used up."""
        now = now or utcnow()
        if now - last_seen >= WINDOW:
            return False
        since = last_seen.isoformat()

        def take(old: str | None) -> tuple[str, datetime] | None:
            sent = _sent(old, since)
            if sent >= MAX_IN_WINDOW:
                return None
            return json.dumps({"since": since, "sent": sent + 1}), last_seen + WINDOW

        return await self.values.update(_key(openid), take) is not None

    async def give_back(self, openid: str, last_seen: datetime) -> None:
        """A reserved message was not sent after all."""
        since = last_seen.isoformat()
        await self.values.update(
            _key(openid),
            lambda old: (
                json.dumps({"since": since, "sent": max(0, _sent(old, since) - 1)}),
                last_seen + WINDOW,
            ),
        )

    async def close(self, openid: str, last_seen: datetime) -> None:
        """WeChat said the window is closed (45015): believe it until the next message."""
        since = last_seen.isoformat()
        payload = json.dumps({"since": since, "sent": MAX_IN_WINDOW})
        await self.values.update(_key(openid), lambda old: (payload, last_seen + WINDOW))


def _key(openid: str) -> str:
    return f"wechat:window:{openid}"[:128]


def _sent(old: str | None, since: str) -> int:
    try:
        data = json.loads(old) if old else {}
    except ValueError:
        return 0
    return int(data.get("sent", 0)) if data.get("since") == since else 0


class WeChatSender:
    """The `Sender` for channel "wechat" (see bot/core/sender.py)."""

    channel = "wechat"

    def __init__(self, settings: Settings, db: Database, api: WeChatApi | None) -> None:
        self.settings = settings
        self.api = api
        self.users = UserStore(db)
        self.window = ServiceWindow(db)

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult:
        """Render in the current locale (the caller sets it) and deliver."""
        return await self.deliver(user, render_texts(replies))

    async def deliver(self, user: UserRef, texts: list[str]) -> SendResult:
        if self.api is None:
            return SendResult.failed("undeliverable: WECHAT_APP_ID/WECHAT_APP_SECRET not set")
        record = await self.users.get(user)
        if record is None:
            return SendResult.failed("undeliverable: unknown WeChat user")
        if not record.active:
            return SendResult.failed("undeliverable: the user unsubscribed")
        openid, last_seen = user.external_id, record.last_seen
        sent = 0
        for text in texts:
            if not await self.window.reserve(openid, last_seen):
                break
            try:
                await self.api.send_text(openid, text)
            except WeChatError as exc:
                if exc.errcode in WINDOW_CLOSED:
                    await self.window.close(openid, last_seen)
                    break
                await self.window.give_back(openid, last_seen)
                return await self._refused(user, exc, sent, len(texts))
            except WeChatUnavailable as exc:
                await self.window.give_back(openid, last_seen)
                return self._unavailable(exc, sent, len(texts))
            sent += 1
        if sent == len(texts):
            return SendResult.sent()
        return await self._template(user, texts[sent:], sent, len(texts))

    async def _template(self, user: UserRef, texts: list[str], sent: int, total: int) -> SendResult:
        template_id = self.settings.wechat_template_id
        if not template_id:
            return self._partial(
                "outside the 48-hour customer-service window (or its 5 messages are used) "
                "and no template message is configured (WECHAT_TEMPLATE_ID)",
                sent,
                total,
                window_closed=True,
            )
        assert self.api is not None
        data = template_data(self.settings, "\n".join(texts))
        try:
            await self.api.send_template(
                user.external_id, template_id, data, self.settings.wechat_template_url
            )
        except WeChatError as exc:
            return await self._refused(user, exc, sent, total)
        except WeChatUnavailable as exc:
            return self._unavailable(exc, sent, total)
        return SendResult.sent()

    async def _refused(self, user: UserRef, exc: WeChatError, sent: int, total: int) -> SendResult:
        if exc.errcode in UNSUBSCRIBED:
            await self.users.deactivate(user, f"wechat {exc.errcode}: {exc.errmsg}")
            return self._partial(f"the user unsubscribed ({exc.errcode})", sent, total)
        if exc.errcode in TRANSIENT and sent == 0:
            return SendResult.retry(str(exc), after=60.0)
        return self._partial(str(exc), sent, total)

    def _unavailable(self, exc: Exception, sent: int, total: int) -> SendResult:
        if sent == 0:
            return SendResult.retry(str(exc))
        # Retrying would repeat what already arrived.
        return self._partial(f"WeChat unreachable: {exc}", sent, total)

    @staticmethod
    def _partial(reason: str, sent: int, total: int, *, window_closed: bool = False) -> SendResult:
        if sent:
            reason = f"{reason}; {sent} of {total} messages were delivered"
        return SendResult.failed(f"undeliverable: {reason}", window_closed=window_closed)


def template_data(settings: Settings, text: str) -> dict[str, str]:
    """Fill the configured template fields from the message text."""
    first, _, rest = text.strip().partition("\n")
    date = format_datetime(
        utcnow().astimezone(ZoneInfo(settings.timezone)),
        "short",
        locale=babel_locale(current_locale.get()),
    )
    values = {"text": text.strip(), "first_line": first.strip(), "rest": rest.strip(), "date": date}
    limit = settings.wechat_template_field_max_chars
    data: dict[str, str] = {}
    for name, template in settings.wechat_template_fields.items():
        value = template.format(**values).strip() or "-"
        data[name] = value if len(value) <= limit else value[: limit - 1] + "…"
    return data
