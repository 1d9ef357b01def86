"""The built-in web chat channel: a page at / and a JSON API.

POST /api/chat  {"user": str, "text": str} or {"user": str, "payload": str}
             →  {"locale": str, "replies": [{"text", "buttons": [{"label", "payload"}],
                 "attachments"}], "ui": {...}}
GET /api/inbox?user=ID  →  {"locale", "replies"}: reminders filed since the last poll.
"""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from bot.channels.webchat.api import api_error, page_strings, reply_json
from bot.channels.webchat.inbox import MAX_USER_ID, WebInboxSender, fetch_inbox
from bot.core.channel import Capabilities
from bot.core.dispatcher import Dispatcher
from bot.core.types import Incoming, UserRef
from bot.i18n import use_locale

STATIC = Path(__file__).resolve().parent.parent.parent / "web" / "static"


class WebChatChannel:
    name = "web"
    # Real buttons and files; no push: the page polls its inbox.
    capabilities = Capabilities(buttons="inline", attachments=True, push=False)

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.services = dispatcher.services
        self.sender = WebInboxSender(self.services.inbox)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.index)
        app.router.add_post("/api/chat", self.chat)
        app.router.add_get("/api/inbox", self.inbox)
        app.router.add_static("/static/", STATIC)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def chat(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return api_error(request, 400, "The request is not valid JSON.")
        if not isinstance(body, dict):
            return api_error(request, 400, "The request must be a JSON object.")
        user, text, payload = body.get("user"), body.get("text"), body.get("payload")
        if not isinstance(user, str) or not user.strip() or len(user) > MAX_USER_ID:
            return api_error(
                request, 400, 'Field "user" must be a non-empty string (at most 128 characters).'
            )
        if (text is None) == (payload is None):
            return api_error(request, 400, 'Send exactly one of "text" or "payload".')
        if not isinstance(text if text is not None else payload, str):
            return api_error(request, 400, '"text" and "payload" must be strings.')
        incoming = Incoming(
            user=UserRef("web", user.strip()),
            chat_id=user.strip(),
            text=text,
            payload=payload,
            language_hint=request.headers.get("Accept-Language", "").split(",")[0] or None,
        )
        outcome = await self.dispatcher.handle(incoming)
        with use_locale(outcome.locale):
            ui = page_strings()
        return web.json_response(
            {
                "locale": outcome.locale,
                "replies": [reply_json(r) for r in outcome.replies],
                "ui": ui,
            },
            dumps=lambda obj: json.dumps(obj, ensure_ascii=False),
        )

    async def inbox(self, request: web.Request) -> web.Response:
        return await fetch_inbox(
            request, self.services.inbox, self.services.settings.default_locale
        )


def webchat_channel(dispatcher: Dispatcher) -> WebChatChannel:
    """Always on: the page needs no configuration."""
    return WebChatChannel(dispatcher)
