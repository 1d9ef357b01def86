"""The built-in web chat: a page at / and a JSON API at POST /api/chat.

Request:  {"user": str, "text": str} or {"user": str, "payload": str}
Response: {"locale": str, "replies": [{"text", "buttons": [{"label", "payload"}], "attachments"}]}
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.core.dispatcher import Dispatcher
from bot.core.types import Incoming, Reply, UserRef
from bot.i18n import _, use_locale
from bot.i18n.resolver import accept_language_locale

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
MAX_USER_ID = 128


def reply_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "buttons": [{"label": b.label, "payload": b.payload} for b in reply.buttons],
        "attachments": [
            {
                "filename": a.filename,
                "mime_type": a.mime_type,
                "data_base64": base64.b64encode(a.content).decode(),
            }
            for a in reply.attachments
        ],
    }


def page_strings() -> dict[str, str]:
    """The chat page's own labels, in the current locale (the page swaps them in)."""
    return {
        "placeholder": _("Type a message…"),
        "send": _("Send"),
        "subtitle": _("Hongqiao international residents' services · Gubei Citizen Centre"),
    }


def api_error(request: web.Request, status: int, message: str) -> web.Response:
    """A JSON error in the language the browser asks for."""
    with use_locale(accept_language_locale(request.headers.get("Accept-Language"))):
        return web.json_response({"error": _(message)}, status=status)


def setup_webchat(app: web.Application, dispatcher: Dispatcher) -> None:
    async def chat(request: web.Request) -> web.Response:
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
        outcome = await dispatcher.handle(incoming)
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

    async def index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    app.router.add_get("/", index)
    app.router.add_post("/api/chat", chat)
    app.router.add_static("/static/", STATIC)
