"""The web chat's JSON: replies as the page shows them, and errors in the browser's language."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

from bot.core.types import Reply
from bot.i18n import _, use_locale
from bot.i18n.resolver import accept_language_locale


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
        # The upload offered while staff are answering (POST /api/chat/file).
        "attach": _("Send a photo or PDF to staff"),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "not_sent": _("Not sent"),
        "upload_failed": _(
            "The file could not be sent. Please check the connection and try again."
        ),
    }


def api_error(request: web.Request, status: int, message: str, **values: object) -> web.Response:
    """A JSON error in the language the browser asks for (`values` fill its placeholders)."""
    with use_locale(accept_language_locale(request.headers.get("Accept-Language"))):
        text = _(message).format(**values) if values else _(message)
        return web.json_response({"error": text}, status=status)
